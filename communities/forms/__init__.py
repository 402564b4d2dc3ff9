"""The communities app's forms, one module per area (import from the module)."""
