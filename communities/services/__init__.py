"""Every state change of the communities app, one module per area (import from the module)."""
