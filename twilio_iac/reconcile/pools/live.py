"""Reading what owners hold (resources/pools.py) from Twilio.

An owner's Resource carries each pool as {member key: record SID} and each
children list as {identity: {"sid": …, field: value}}, next to its own fields;
one paged list per owner and part, owners fetched concurrently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from twilio_iac.manifests import nested
from twilio_iac.model import Resource
from twilio_iac.resources import ResourceType
from twilio_iac.resources.pools import Children, Pool

# Owner field: part → identities two live children share (planning refuses
# to guess which one a manifest entry means).
TWICE = "~twice"


class Lister(Protocol):
    """What reading live state needs of a client (reconcile/live.py and here)."""

    def list(self, api: str, path: str, list_key: str) -> list[dict[str, Any]]: ...


def fetch(client: Lister, rt: ResourceType, owners: list[Resource]) -> list[Resource]:
    """The owners with what they hold added to their fields."""
    if not rt.parts or not owners:
        return owners
    with ThreadPoolExecutor(max_workers=min(8, len(owners))) as pool:
        return list(pool.map(lambda r: _with_parts(client, rt, r), owners))


def _with_parts(client: Lister, rt: ResourceType, owner: Resource) -> Resource:
    base = rt.path("", owner.sid)
    fields = dict(owner.fields)
    for part in rt.parts:
        records = client.list(rt.api, part.path(base), part.list_key)
        if isinstance(part, Pool):
            fields[part.name] = {str(r.get(part.key)): r.get("sid") for r in records}
        else:
            counts = Counter(str(r.get(part.identity)) for r in records)
            if twice := sorted(name for name, n in counts.items() if n > 1):
                fields.setdefault(TWICE, {})[part.name] = twice
            fields[part.name] = {
                str(r.get(part.identity)): {"sid": r.get("sid")}
                | {f.name: f.normalize(r.get(f.source or f.name)) for f in part.fields}
                for r in records
            }
    for part in rt.parts:
        if isinstance(part, Children) and part.name in fields:
            fields[part.name] = names_for_sids(part, fields[part.name], fields)
    return Resource(owner.kind, owner.name, fields, owner.sid, owner.location)


def names_for_sids(
    part: Children, children: Mapping[str, Any], parts: Mapping[str, Any]
) -> dict[str, Any]:
    """Children whose documents name siblings (a workflow's queues) with each
    SID of a sibling the owner holds written as that sibling's identity, as
    manifests write it; a SID of nothing the owner holds stays a SID."""
    documents = [f for f in part.fields if f.type == "json" and f.names_part]
    if not documents:
        return dict(children)
    result = {}
    for identity, child in children.items():
        child = dict(child)
        for f in documents:
            names = sid_names(parts.get(f.names_part or "") or {})
            if isinstance(child.get(f.name), dict):
                child[f.name] = nested.replace_at(
                    child[f.name], f.name_paths, lambda v, n=names: n.get(v, v)
                )
        result[identity] = child
    return result


def sid_names(children: Mapping[str, Any]) -> dict[str, str]:
    """SID → identity of an owner's live children of one part."""
    return {
        child["sid"]: identity
        for identity, child in children.items()
        if isinstance(child, Mapping) and child.get("sid")
    }


def own_fields(rt: ResourceType, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the owner's own create/update sends (no parts, no fields
    written at a sub-path, none naming the owner's children: those are set
    once the children exist)."""
    return {
        name: value
        for name, value in fields.items()
        if name in rt.by_name
        and not rt.by_name[name].endpoint
        and not rt.by_name[name].names_part
    }
