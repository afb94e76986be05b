"""Following a sent message or call: its status, a poll to a final status, and
what a failure code means. wait() takes an injectable sleep and clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from twilio_iac.api.client import TwilioClient
from twilio_iac.errors import SendRejected
from twilio_iac.operations import calls, listing, messages
from twilio_iac.operations.shapes import CALL_FINAL, is_final

MESSAGE_FAILED = frozenset({"undelivered", "failed", "canceled"})
CALL_FAILED = CALL_FINAL - {"completed"}


@dataclass(frozen=True)
class Poller:
    """How wait() passes time; tests pass a fake sleep and clock."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    intervals: tuple[float, ...] = (1, 1, 2, 2, 3, 5)  # then the last, repeated


def resource_path(account_sid: str, sid: str) -> tuple[str, str]:
    """("message" | "call", path) of a SID; SendRejected for other prefixes."""
    if listing.is_sid(sid, messages.SID):
        return "message", messages.path(account_sid, sid)
    if listing.is_sid(sid, calls.SID):
        return "call", calls.path(account_sid, sid)
    raise SendRejected(
        [f"{sid!r} is not a message (SM…, MM…) or call (CA…) SID"],
        headline="Cannot look this up",
    )


def is_failure(what: str, status: str) -> bool:
    return status in (MESSAGE_FAILED if what == "message" else CALL_FAILED)


def wait(
    client: TwilioClient,
    account_sid: str,
    sid: str,
    timeout: float,
    poller: Poller,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[dict[str, Any], bool]:
    """Poll until a final status: (the last fetched object, reached final?)."""
    what, path = resource_path(account_sid, sid)
    deadline = poller.clock() + timeout
    seen = None
    for attempt in range(10_000):
        current = client.fetch("core", path)
        if current["status"] != seen:
            seen = current["status"]
            progress(seen)
        if is_final(what, current["status"]):
            return current, True
        delay = poller.intervals[min(attempt, len(poller.intervals) - 1)]
        if poller.clock() + delay > deadline:
            return current, False
        poller.sleep(delay)
    return current, False


def describe(data: Mapping[str, Any]) -> list[str]:
    """A message or call in the one shape (shapes.shape) as text lines."""
    noun = "Message" if data["kind"] == "message" else "Call"
    lines = [f"{noun} {data['sid']}: {data['status']}"]
    lines.append(f"  to {data.get('to')} from {data.get('from')}")
    if data["kind"] == "message" and data.get("num_segments"):
        media = f", {data['num_media']} media" if data.get("num_media") else ""
        lines.append(f"  segments: {data['num_segments']}{media}")
    if data["kind"] == "call" and data.get("duration"):
        lines.append(f"  duration: {data['duration']} s")
    if data.get("price"):
        unit = data.get("price_unit") or ""
        lines.append(f"  price: {data['price']} {unit}".rstrip())
    if data.get("error_code"):
        meaning = (
            data.get("error_meaning") or data.get("error_message") or "see the link"
        )
        lines.append(f"  error {data['error_code']}: {meaning}")
        lines.append(f"  See {data['more_info']}")
    return lines
