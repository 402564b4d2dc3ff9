"""Reads of the practice app, one module per area: ``requests`` (lists, search, the request page,
practice health, the value funnel), ``learning``, ``loops`` and ``value`` (the sponsor's report).

Every function costs a fixed number of queries. The public names of ``requests`` are re-exported
here, so ``from practice import selectors`` keeps working.
"""

from .requests import *  # noqa: F403
