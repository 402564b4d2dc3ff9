"""Admin for the practice app."""
