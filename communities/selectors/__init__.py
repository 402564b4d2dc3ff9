"""Complex reads of the communities app (dashboards), one module per area: a fixed number of queries each."""
