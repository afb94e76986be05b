"""One JSON shape per message and per call, whichever verb prints it: send,
status, messages and calls list/show, calls update.

The shape is Twilio's record with every field it has, made consistent: counts
are numbers (Twilio sends "1"), dates are ISO 8601 in UTC (the 2010 API sends
RFC 2822), a price stays Twilio's exact decimal string (null until priced), and
``kind`` ("message" | "call") and ``final`` (the status will not change again)
are added; a failure adds ``error_meaning`` and ``more_info``. It is published
as schemas/message.schema.json and schemas/call.schema.json, a contract like
the plan's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from twilio_iac.operations.sends import MEANINGS

DATE_FIELDS = frozenset(
    {"date_created", "date_updated", "date_sent", "start_time", "end_time"}
)
# Counts Twilio sends as strings; JSON gives them as numbers.
_WHOLE = {
    "message": ("num_segments", "num_media", "error_code"),
    "call": ("duration", "queue_time", "error_code"),
}
MESSAGE_FINAL = frozenset(
    {"delivered", "undelivered", "failed", "read", "canceled", "received"}
)
CALL_FINAL = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


def iso(value: Any) -> str:
    """An RFC 2822 or ISO 8601 date as ``2015-07-30T23:19:04Z``; "" for none."""
    if not value:
        return ""
    text = str(value)
    try:
        if "," in text:
            moment = parsedate_to_datetime(text)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def with_iso_dates(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: iso(value) if key in DATE_FIELDS and value else value
        for key, value in record.items()
    }


def is_final(what: str, status: str) -> bool:
    return status in (MESSAGE_FINAL if what == "message" else CALL_FINAL)


def shape(what: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` (a message or call as Twilio gives it) in the one shape."""
    data = {"kind": what, **with_iso_dates(record)}
    for name in _WHOLE[what]:
        if name in data:
            data[name] = whole(data[name])
    if "price" in data and data["price"] is not None:
        data["price"] = str(data["price"])
    data["final"] = is_final(what, str(data.get("status") or ""))
    code = data.get("error_code")
    if code:
        data["error_meaning"] = MEANINGS.get(code)
        data["more_info"] = f"https://www.twilio.com/docs/errors/{code}"
    return data


def whole(value: Any) -> int | None:
    """A count Twilio sent as a string (or number); None when absent."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
