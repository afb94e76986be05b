"""Walking a paged collection, apart from any HTTP library: the next page is
asked for before this one is decoded (its URL is read from the raw body), so a
caller can decode one page while the next is read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from twilio_iac.api import wire
from twilio_iac.errors import ApiError

Query = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Fetched:
    """One page as read: its raw body, and how to decode all of it."""

    content: bytes
    decode: Callable[[], dict]


def walk(
    url: str | None,
    query: Query,
    fetch: Callable[[str, Query], Fetched],
    list_key: str,
    next_url: Callable[[Mapping[str, Any]], str | None],
) -> Iterator[Callable[[], list[dict]]]:
    """Each page as a function that decodes its items. ``fetch`` reads one
    page; ``next_url`` tells the next page's URL from a body's paging part."""
    seen: set[str] = set()
    while url is not None:
        seen.add(url)
        fetched = fetch(url, query)
        paging = wire.peek_next(fetched.content)
        body = fetched.decode() if paging is None else None
        peeked = next_url(body or paging or {})
        query = ()
        if peeked in seen:
            raise ApiError("GET", wire.bare(url), 200, message="pagination loops")
        yield _decoder(url, fetched, body, list_key, next_url, peeked)
        url = peeked


def _decoder(
    url: str,
    fetched: Fetched,
    body: dict | None,
    list_key: str,
    next_url: Callable[[Mapping[str, Any]], str | None],
    peeked: str | None,
) -> Callable[[], list[dict]]:
    def decode() -> list[dict]:
        page = fetched.decode() if body is None else body
        if not isinstance(page.get(list_key), list):
            raise ApiError("GET", wire.bare(url), 200, message=f"no {list_key!r} list")
        if body is None and next_url(page) != peeked:
            raise ApiError("GET", wire.bare(url), 200, message="inconsistent paging")
        return page[list_key]

    return decode
