"""The 2010-04-01 API (api.twilio.com/2010-04-01): accounts, phone numbers
(owned, and available to buy), applications, queues, addresses, API keys
(with IAM v1's Keys, the same records), messages and calls with their media
and recordings, usage records and the balance; and the sandbox account with
its seed numbers.
"""

from __future__ import annotations

from . import available, catalog, keys, media, nested, recordings, traffic, usage
from .seed import SEED_NUMBERS, seed

__all__ = [
    "SEED_NUMBERS",
    "available",
    "catalog",
    "keys",
    "media",
    "nested",
    "recordings",
    "seed",
    "traffic",
    "usage",
]
