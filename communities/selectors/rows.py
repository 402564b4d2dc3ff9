"""A model object with facts a page computed about it, without writing them onto the object.

``Row(obj)`` reads every attribute of ``obj`` through to it, so a template keeps ``{{ d.title }}`` and
``{{ d.get_absolute_url }}``; the computed facts are the dataclass's own typed fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    obj: Any

    def __getattr__(self, name: str) -> Any:
        # Only called for names the row does not have itself: the object's fields and methods.
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.obj, name)
