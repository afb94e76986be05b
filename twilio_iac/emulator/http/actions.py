"""Actions: API paths that are no collection of records (usage, Verify checks).

Each names the one method it takes and a handler that gets the parsed call;
handlers.dispatch tries them before the kinds' routes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..store import Store


@dataclass(frozen=True)
class ActionCall:
    path: str
    base_url: str
    ids: dict[str, str]  # the path's parameters
    account: str  # the account acted on: the 2010 path's, else the caller's
    values: dict[str, Any]  # the spec-checked, typed parameters
    now: datetime


@dataclass(frozen=True)
class Binary:
    """A non-JSON answer (a recording's audio, a message's media file)."""

    content_type: str
    data: bytes


Handler = Callable[[Store, ActionCall], Any]


@dataclass(frozen=True)
class Action:
    method: str
    template: str  # spec path template
    handler: Handler
    pattern: re.Pattern[str]


ACTIONS: list[Action] = []


def register_action(
    method: str, template: str, handler: Handler, segment: str = "[^/]+"
) -> None:
    """``segment`` is the regex of one path parameter: ``[^/.]+`` keeps an
    extension-less media path from also matching its ``.json`` sibling."""
    regex = re.sub(r"\\\{(\w+)\\\}", rf"(?P<\1>{segment})", re.escape(template))
    ACTIONS.append(Action(method, template, handler, re.compile(f"^{regex}$")))
