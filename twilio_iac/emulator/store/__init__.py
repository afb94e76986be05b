"""The store: the sandbox's records per kind, its faults, and the state file.

It knows nothing of HTTP or of any product: the machinery and the products
import it, never the reverse. ``followers`` is where one product's records
follow another's without either importing the other; ``clock`` is the
sandbox's time and the timeline of what becomes due on it.
"""

from __future__ import annotations

from . import clock
from .records import Record, RecordMap
from .state import STATE_VERSION, Store, iso8601, rfc2822, utcnow

__all__ = [
    "STATE_VERSION",
    "Record",
    "RecordMap",
    "Store",
    "iso8601",
    "rfc2822",
    "clock",
    "utcnow",
]
