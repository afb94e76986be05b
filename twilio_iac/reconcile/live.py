"""Fetch live state from Twilio and normalize it to manifest field names.

One paged list per kind (never a request per object), kinds fetched
concurrently. SID fields stay SIDs here: which name a SID maps back to
depends on how the planner matches live objects to the manifests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog

from twilio_iac.model import Resource
from twilio_iac.reconcile import held
from twilio_iac.reconcile.held import Lister
from twilio_iac.resources import REGISTRY, Field, ResourceType

log = structlog.get_logger(__name__)


def fetch(
    client: Lister, account_sid: str, kinds: Iterable[str]
) -> dict[str, list[Resource]]:
    """Live resources per kind, normalized, in Twilio's list order."""
    wanted = sorted(set(kinds))
    with ThreadPoolExecutor(max_workers=max(1, len(wanted))) as pool:
        pages = pool.map(lambda kind: _fetch_kind(client, account_sid, kind), wanted)
        result = dict(zip(wanted, pages, strict=True))
    log.debug("live.fetched", **{kind: len(items) for kind, items in result.items()})
    return result


def _fetch_kind(client: Lister, account_sid: str, kind: str) -> list[Resource]:
    rt = REGISTRY[kind]
    records = client.list(rt.api, rt.path(account_sid), rt.list_key)
    return held.fetch(client, rt, [normalize(rt, record) for record in records])


def normalize(rt: ResourceType, record: Mapping[str, Any]) -> Resource:
    """A Twilio JSON object as a Resource with flat, comparable fields."""
    get = record.get
    fields = {
        f.name: f.normalize(get(key) if path is None else _dig(record, path))
        for f, key, path in _readable(rt)
    }
    return Resource(
        kind=rt.kind,
        name=str(get(rt.identity) or ""),
        fields=fields,
        sid=get("sid"),
    )


Reader = tuple[Field, str, "tuple[str, ...] | None"]
# kind → (its ResourceType, how to read each field Twilio returns: a top-level
# key, or a dotted name's parts): computed once, not per record of a long list.
_READERS: dict[str, tuple[ResourceType, list[Reader]]] = {}


def _readable(rt: ResourceType) -> list[Reader]:
    cached = _READERS.get(rt.kind)
    if cached is None or cached[0] is not rt:
        readers: list[Reader] = [
            (f, f.name, tuple(f.name.split(".")) if "." in f.name else None)
            for f in rt.fields
            if not f.write_only
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
