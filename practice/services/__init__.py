"""Every state change of the practice app, one module per area.

``requests``: help requests, advice, responses, discussions, kudos, moderation and nudges.
Its public names are re-exported here, so ``from practice import services`` keeps working.
"""

from .requests import *  # noqa: F403
