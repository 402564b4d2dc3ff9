"""Every state change of the practice app, one module per area: ``requests`` (help requests, advice,
responses, discussions, kudos, moderation and nudges), ``loops`` (follow-ups, outcomes, digests) and
``learning`` (captured learning). Import the module you need; this package re-exports nothing.
"""
