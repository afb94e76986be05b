"""Records of one product that follow another product's records.

Products never import each other. When a product keeps records that must
follow another kind's (a Messaging Service's pool and a trunk's list follow
the phone numbers), it registers a follower for that kind here, and the
machinery tells the followers whenever a record of it is written or removed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .state import Store

Follower = Callable[[Store, dict[str, Any]], None]

_WRITTEN: dict[str, list[Follower]] = {}
_REMOVED: dict[str, list[Follower]] = {}


def on_written(kind: str, follower: Follower) -> None:
    """Call ``follower`` once a ``kind`` record is created or updated through
    the API: its rules have passed, and it is about to be stored."""
    _WRITTEN.setdefault(kind, []).append(follower)


def on_removed(kind: str, follower: Follower) -> None:
    """Call ``follower`` once a ``kind`` record's delete has been allowed,
    before it is removed."""
    _REMOVED.setdefault(kind, []).append(follower)


def written(store: Store, kind: str, record: dict[str, Any]) -> None:
    for follower in _WRITTEN.get(kind, ()):
        follower(store, record)


def removed(store: Store, kind: str, record: dict[str, Any]) -> None:
    for follower in _REMOVED.get(kind, ()):
        follower(store, record)
