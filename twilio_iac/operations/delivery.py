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
from twilio_iac.operations.sends import MEANINGS

MESSAGE_FINAL = frozenset(
    {"delivered", "undelivered", "failed", "read", "canceled", "received"}
)
MESSAGE_FAILED = frozenset({"undelivered", "failed", "canceled"})
CALL_FINAL = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
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


def is_final(what: str, status: str) -> bool:
    return status in (MESSAGE_FINAL if what == "message" else CALL_FINAL)


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


def summary(what: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """The fields status and send print, the same for text and json."""
    data: dict[str, Any] = {
        "sid": obj["sid"],
        "kind": what,
        "status": obj["status"],
        "to": obj.get("to"),
        "from": obj.get("from"),
    }
    # Twilio sends these counts as strings ("1"); JSON output gives numbers.
    if what == "message":
        data["segments"] = _whole(obj.get("num_segments"))
        data["media"] = _whole(obj.get("num_media"))
    else:
        data["duration"] = _whole(obj.get("duration"))
    data["price"] = obj.get("price")
    data["price_unit"] = obj.get("price_unit")
    code = obj.get("error_code")
    if code:
        data["error_code"] = code
        data["error_message"] = obj.get("error_message")
        data["meaning"] = MEANINGS.get(int(code))
        data["more_info"] = f"https://www.twilio.com/docs/errors/{code}"
    return data


def _whole(value: Any) -> int | None:
    """A count Twilio sent as a string (or number); None when absent."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def describe(data: Mapping[str, Any]) -> list[str]:
    """summary() as text lines."""
    noun = "Message" if data["kind"] == "message" else "Call"
    lines = [f"{noun} {data['sid']}: {data['status']}"]
    lines.append(f"  to {data['to']} from {data['from']}")
    if data["kind"] == "message" and data.get("segments"):
        media = f", {data['media']} media" if data.get("media") else ""
        lines.append(f"  segments: {data['segments']}{media}")
    if data["kind"] == "call" and data.get("duration"):
        lines.append(f"  duration: {data['duration']} s")
    if data.get("price"):
        lines.append(f"  price: {data['price']} {data['price_unit'] or ''}".rstrip())
    if data.get("error_code"):
        meaning = data.get("meaning") or data.get("error_message") or "see the link"
        lines.append(f"  error {data['error_code']}: {meaning}")
        lines.append(f"  See {data['more_info']}")
    return lines
