"""List filtering, paging and the two list envelopes (2010-04-01 and v1/v2).

A page token is "PA" + the SID of the last record already seen (Twilio's
tokens look the same), so paging stays correct while records are deleted;
"PB" + SID asks for the page that ends just before that record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from . import dates
from .kinds import Kind
from .problems import INVALID_PARAMETER, VERIFY_INVALID_PARAMETER, bad_request

DEFAULT_PAGE_SIZE = 50
PAGING = ("PageSize", "Page", "PageToken")
# Exact-day filters; "DateSent>" and the like compare with their bound.
DATE_FILTERS = frozenset({"DateSent", "DateCreated", "StartTime", "EndTime"})


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    number: int
    size: int
    start: int  # offset of the first item
    has_next: bool
    filters: list[tuple[str, str]]  # the request's filter params, echoed in URIs


def select(kind: Kind, records: list[dict], values: dict[str, Any], raw: dict) -> Page:
    """The requested page of the records that pass the list filters."""
    filters = [(name, raw[name][0]) for name in raw if name not in PAGING]
    for param, wanted in values.items():
        field = kind.filters.get(param)
        if field and wanted is not None:
            records = [r for r in records if _matches(param, r[field], wanted)]
    size = values.get("PageSize") or DEFAULT_PAGE_SIZE
    number = values.get("Page") or 0
    start = _offset(kind, records, values.get("PageToken"), number * size, size)
    items = records[start : start + size]
    return Page(items, number, size, start, start + size < len(records), filters)


def _matches(param: str, value: Any, wanted: Any) -> bool:
    if param.endswith(("<", ">")) or param in DATE_FILTERS:
        return dates.within(param, value, wanted)
    if param == "PhoneNumber":  # "partial numbers and '*' as a wildcard for any digit"
        pattern = re.escape(wanted).replace(r"\*", "[0-9]")
        return value is not None and re.search(pattern, value) is not None
    if isinstance(value, bool) and isinstance(wanted, str):
        # A boolean filter the description types as a string (TaskRouter's
        # Activities ?Available=true).
        return value == (wanted.strip().lower() == "true")
    return value == wanted


def _offset(
    kind: Kind, records: list[dict], token: str | None, default: int, size: int
) -> int:
    if token is None:
        return default
    sids = [r["sid"] for r in records]
    direction, sid = token[:2], token[2:]
    if direction not in ("PA", "PB") or sid not in sids:
        code = VERIFY_INVALID_PARAMETER if kind.api == "verify" else INVALID_PARAMETER
        raise bad_request(code, f"PageToken {token} is not valid")
    index = sids.index(sid)
    return index + 1 if direction == "PA" else max(index - size, 0)


def _query(page: Page, number: int, token: str | None = None) -> str:
    params = [*page.filters, ("PageSize", str(page.size)), ("Page", str(number))]
    if token:
        params.append(("PageToken", token))
    return urlencode(params)


def _links(page: Page, base: str, token: str | None) -> dict[str, str | None]:
    first = f"{base}?{_query(page, 0)}"
    nxt = prev = None
    if page.has_next:
        nxt = f"{base}?{_query(page, page.number + 1, 'PA' + page.items[-1]['sid'])}"
    if page.start > 0 and page.items:
        prev_number = max(page.number - 1, 0)
        prev = f"{base}?{_query(page, prev_number, 'PB' + page.items[0]['sid'])}"
    return {
        "first": first,
        "next": nxt,
        "previous": prev,
        "self": f"{base}?{_query(page, page.number, token)}",
    }


def v2010_envelope(
    kind: Kind, path: str, page: Page, items: list, token: str | None
) -> dict:
    links = _links(page, path, token)
    return {
        "first_page_uri": links["first"],
        "next_page_uri": links["next"],
        "previous_page_uri": links["previous"],
        "page": page.number,
        "page_size": page.size,
        "start": page.start,
        "end": page.start + max(len(items) - 1, 0),
        "uri": links["self"],
        kind.list_key: items,
    }


def verify_envelope(
    kind: Kind, url: str, page: Page, items: list, token: str | None
) -> dict:
    links = _links(page, url, token)
    return {
        kind.list_key: items,
        "meta": {
            "page": page.number,
            "page_size": page.size,
            "first_page_url": links["first"],
            "previous_page_url": links["previous"],
            "next_page_url": links["next"],
            "url": links["self"],
            "key": kind.list_key,
        },
    }
