"""Reads of the practice app, one module per area: ``requests`` (lists, the request page, practice
health, the value funnel), ``search`` (full text), ``learning``, ``loops`` and ``value`` (the sponsor's report).

Every function costs a fixed number of queries. Import the module you need; this package re-exports nothing.
"""
