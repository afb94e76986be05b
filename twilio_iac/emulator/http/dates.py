"""Date filters on lists: ``DateSent>=2024-05-01`` and the like.

On the wire the operator is part of the name (``DateSent>`` with the value
after ``=``), so the bound is inclusive: on or after, on or before. A bound
that is only a date compares days; one with a time compares instants.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime

from .problems import INVALID_PARAMETER, bad_request


def parse_moment(text: str) -> datetime | date | None:
    """An ISO 8601 date or instant, or an RFC 2822 date; None if neither."""
    text = text.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def within(param: str, stored: str | None, wanted: str) -> bool:
    """Whether a record's date passes the filter ``param`` = ``wanted``."""
    bound = parse_moment(wanted)
    if bound is None:
        raise bad_request(INVALID_PARAMETER, f"{param} {wanted!r} is not a date")
    if not stored:
        return False
    value = parse_moment(stored)
    if not isinstance(value, datetime):
        return False
    day = value.astimezone(timezone.utc).date()
    if param.endswith(">"):
        return value >= bound if isinstance(bound, datetime) else day >= bound
    if param.endswith("<"):
        return value <= bound if isinstance(bound, datetime) else day <= bound
    exact = (
        bound.astimezone(timezone.utc).date() if isinstance(bound, datetime) else bound
    )
    return day == exact
