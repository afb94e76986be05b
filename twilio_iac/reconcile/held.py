"""What owners hold (resources/pools.py): read live and written at apply.
held_plan.py plans the changes to it.

Live: an owner's Resource carries each pool as {member key: record SID} and
each children list as {identity: {"sid": …, field: value}}, next to its own
fields; one paged list per owner and part, owners fetched concurrently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from twilio_iac.model import Ref, Resource
from twilio_iac.reconcile.plan import AddHeld, Held, RemoveHeld
from twilio_iac.resources import REGISTRY, ResourceType
from twilio_iac.resources.pools import Pool


class Lister(Protocol):
    """What reading live state needs of a client (live.py and here)."""

    def list(self, api: str, path: str, list_key: str) -> list[dict[str, Any]]: ...


# --- live ---------------------------------------------------------------------


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
            fields[part.name] = {
                str(r.get(part.identity)): {"sid": r.get("sid")}
                | {f.name: f.normalize(r.get(f.name)) for f in part.fields}
                for r in records
            }
    return Resource(owner.kind, owner.name, fields, owner.sid, owner.location)


def own_fields(rt: ResourceType, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the owner's own create/update sends (no parts, no fields
    written at a sub-path)."""
    return {
        name: value
        for name, value in fields.items()
        if name in rt.by_name and not rt.by_name[name].endpoint
    }


# --- apply --------------------------------------------------------------------


def request(
    change: Held, account_sid: str, known: Mapping[Ref, str], lenient: bool = False
) -> tuple[str, str, str, dict[str, Any]]:
    """(method, api, path, params) of one held change. Owners and members made
    earlier in the run are looked up in ``known``; with ``lenient`` (showing
    the requests before apply) an unknown one stays a reference."""
    rt = REGISTRY[change.kind]
    owner: Any = change.sid or known.get(Ref(change.kind, change.name))
    if owner is None:
        if not lenient:
            raise KeyError(f"{change.label} has no SID yet")
        owner = "{" + f"{change.kind}:{change.name}" + "}"
    base = rt.path(account_sid, owner)
    if change.part not in rt.parts_by_name:  # settings at a sub-path
        params = {rt.by_name[n].request_param: v for n, v in change.send.items()}
        return "POST", rt.api, base + str(change.target), params
    part = rt.parts_by_name[change.part]
    if isinstance(change, RemoveHeld):
        return "DELETE", rt.api, part.path(base, str(change.target)), {}
    if isinstance(part, Pool):
        target = change.target
        if isinstance(target, Ref):
            shown = "{" + f"{target.kind}:{target.name}" + "}" if lenient else None
            target = known.get(target, shown)
            if target is None:
                raise KeyError(f"{change.target} has no SID yet")
        return "POST", rt.api, part.path(base), {part.param: target}
    if isinstance(change, AddHeld):
        return "POST", rt.api, part.path(base), part.create_params(dict(change.send))
    params = {part.by_name[n].request_param: v for n, v in change.send.items()}
    return "POST", rt.api, part.path(base, str(change.target)), params


class Writer(Protocol):
    def create(
        self,
        api: str,
        path: str,
        params: Mapping[str, Any],
        *,
        find_existing: Callable[[], dict[str, Any] | None] | None = None,
    ) -> dict[str, Any]: ...
    def update(
        self, api: str, path: str, params: Mapping[str, Any]
    ) -> dict[str, Any]: ...
    def delete(self, api: str, path: str) -> None: ...


def run(
    change: Held, client: Writer, account_sid: str, known: Mapping[Ref, str]
) -> str | None:
    method, api, path, params = request(change, account_sid, known)
    if method == "DELETE":
        client.delete(api, path)
        return None
    if isinstance(change, AddHeld):
        record = client.create(api, path, params)
        return record.get("sid")
    client.update(api, path, params)
    return None
