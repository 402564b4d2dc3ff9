"""Views of the practice app, one module per area (``requests``: help requests and advice)."""

from .requests import *  # noqa: F403
