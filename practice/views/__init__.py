"""Views of the practice app, one module per area (``requests``, ``loops``, ``learning``)."""
