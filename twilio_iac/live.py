"""Fetch live state from Twilio and normalize it to manifest field names.

One paged list per kind (never a request per object), kinds fetched
concurrently. SID fields stay SIDs here: which name a SID maps back to
depends on how the planner matches live objects to the manifests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import structlog

from .model import Resource
from .resources import REGISTRY, ResourceType

log = structlog.get_logger(__name__)


class Lister(Protocol):
    def list(self, api: str, path: str, list_key: str) -> list[dict[str, Any]]: ...


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
    return [normalize(rt, record) for record in records]


def normalize(rt: ResourceType, record: Mapping[str, Any]) -> Resource:
    """A Twilio JSON object as a Resource with flat, comparable fields."""
    fields = {
        f.name: f.normalize(_dig(record, f.name)) for f in rt.fields if not f.write_only
    }
    return Resource(
        kind=rt.kind,
        name=str(record.get(rt.identity) or ""),
        fields=fields,
        sid=record.get("sid"),
    )


def _dig(record: Mapping[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value
