"""Demo data of the practice app for ``seed_demo``, one module per area; every seeder is idempotent.

The public names of ``requests`` (the help requests, advice and discussions) are re-exported here.
"""

from .requests import *  # noqa: F403
