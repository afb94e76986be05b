"""Fetch live state from Twilio and normalize it to manifest field names.

One paged list per kind (never a request per object), kinds fetched
concurrently. SID fields stay SIDs here: which name a SID maps back to
depends on how the planner matches live objects to the manifests.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import structlog

from twilio_iac.model import Resource
from twilio_iac.reconcile.pools import live as pool_live
from twilio_iac.resources import REGISTRY, ResourceType

log = structlog.get_logger(__name__)


class Lister(pool_live.Lister, Protocol):
    """Lists whole (what an owner holds) and page by page (the kinds)."""

    def raw_pages(
        self, api: str, path: str, list_key: str
    ) -> Iterator[Callable[[], list[dict[str, Any]]]]: ...

    def fetch(self, api: str, path: str) -> dict[str, Any]: ...


def fetch(
    client: Lister, account_sid: str, kinds: Iterable[str]
) -> dict[str, list[Resource]]:
    """Live resources per kind, normalized, in Twilio's list order."""
    return Fetch(client, account_sid, kinds).result()


class Fetch:
    """Live state of some kinds, read in the background from the moment it
    is made: one thread per kind reads its pages (in order, Twilio's page
    tokens chain them), another normalizes each page while the next is read."""

    def __init__(self, client: Lister, account_sid: str, kinds: Iterable[str]) -> None:
        self.kinds = sorted(set(kinds))
        self._dropped: set[str] = set()  # read no further pages of these
        self._pool = ThreadPoolExecutor(max_workers=max(1, 2 * len(self.kinds)))
        self._futures = {
            kind: self._pool.submit(self._kind, client, account_sid, kind)
            for kind in self.kinds
        }

    def result(self, kinds: Iterable[str] | None = None) -> dict[str, list[Resource]]:
        """The kinds asked for (default: all); kinds not asked for are dropped
        after the page in flight."""
        wanted = self.kinds if kinds is None else sorted(set(kinds))
        self._dropped.update(set(self.kinds) - set(wanted))
        try:
            result = {kind: self._futures[kind].result() for kind in wanted}
        finally:
            self.close()
        log.debug(
            "live.fetched", **{kind: len(items) for kind, items in result.items()}
        )
        return result

    def close(self) -> None:
        """Stop reading (after the pages in flight) and let the threads go."""
        self._dropped.update(self.kinds)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _kind(self, client: Lister, account_sid: str, kind: str) -> list[Resource]:
        rt = REGISTRY[kind]
        pages: queue.Queue[Callable[[], list[dict[str, Any]]] | BaseException | None]
        pages = queue.Queue()

        def read() -> None:
            try:
                for page in client.raw_pages(rt.api, rt.path(account_sid), rt.list_key):
                    pages.put(page)
                    if kind in self._dropped:
                        break
                pages.put(None)
            except BaseException as exc:  # handed to the normalizing thread
                pages.put(exc)

        threading.Thread(target=read, name=f"fetch-{kind}", daemon=True).start()
        items: list[Resource] = []
        while (page := pages.get()) is not None:
            if isinstance(page, BaseException):
                raise page
            items.extend([normalize(rt, record) for record in page()])
        if rt.fetch_each:
            items = _each(client, rt, account_sid, items)
        return pool_live.fetch(client, rt, items)


def _each(
    client: Lister, rt: ResourceType, account_sid: str, items: list[Resource]
) -> list[Resource]:
    """Each object read on its own: its list entry lacks a field."""
    if not items:
        return items

    def one(item: Resource) -> Resource:
        return normalize(rt, client.fetch(rt.api, rt.path(account_sid, item.sid)))

    with ThreadPoolExecutor(max_workers=min(8, len(items))) as pool:
        return list(pool.map(one, items))


def normalize(rt: ResourceType, record: Mapping[str, Any]) -> Resource:
    """A Twilio JSON object as a Resource with flat, comparable fields."""
    get = record.get
    fields = {}
    # Field.normalize, inlined: a call per field of every record of a long
    # list was most of this function's time. Structured ("json") values are
    # converted whatever their type (Twilio gives a mapping, or JSON text).
    for name, key, path, default, convert, always in _readable(rt):
        value = get(key) if path is None else _dig(record, path)
        if value == "" or value is None:
            value = default
        elif convert is not None and (always or isinstance(value, str)):
            value = convert(value)
        fields[name] = value
    if rt.observed:
        fields.update((key, get(key)) for key in rt.observed)
    return Resource.quick(rt.kind, str(get(rt.identity) or ""), fields, sid=get("sid"))


def _boolean(value: str) -> bool:
    return value.strip().lower() == "true"


def _integer(value: str) -> Any:
    return int(value) if value.isdigit() else value


# What Field.normalize does to a non-empty text value, per field type.
_CONVERT: dict[str, Callable[[str], Any]] = {
    "boolean": _boolean,
    "method": str.upper,
    "integer": _integer,
}

Reader = tuple[
    str, str, "tuple[str, ...] | None", Any, "Callable[[Any], Any] | None", bool
]
# kind → (its ResourceType, how to read each field Twilio returns: a top-level
# key, or a dotted name's parts; its default and conversion): computed once,
# not per record of a long list.
_READERS: dict[str, tuple[ResourceType, list[Reader]]] = {}


def _readable(rt: ResourceType) -> list[Reader]:
    cached = _READERS.get(rt.kind)
    if cached is None or cached[0] is not rt:
        readers: list[Reader] = [
            (
                f.name,
                key,
                tuple(key.split(".")) if "." in key else None,
                f.default,
                f.normalize if f.type == "json" else _CONVERT.get(f.type),
                f.type == "json",
            )
            for f in rt.fields
            if not f.write_only
            for key in [f.source or f.name]
        ]
        cached = _READERS[rt.kind] = (rt, readers)
    return cached[1]


def _dig(record: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = record
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value
