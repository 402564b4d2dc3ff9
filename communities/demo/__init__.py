"""Demo data for ``seed_demo``, one module per area. Every seeder is idempotent."""
