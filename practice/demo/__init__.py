"""Demo data of the practice app for ``seed_demo``, one module per area; every seeder is idempotent.

``PracticeConfig.ready`` registers the seeders, in order, with ``communities.demo``.
"""
