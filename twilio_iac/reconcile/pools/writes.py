"""Writing what owners hold at apply: the request each member change makes.

A pool member joins by a POST naming it and leaves by a DELETE of its record;
a child is created with every field (Twilio requires them), changed in place,
or deleted; settings at a sub-path are one POST there. Children named by
identity are sent as their SIDs, looked up when the write runs (named.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from twilio_iac.model import Ref
from twilio_iac.reconcile.plan import AddMember, MemberChange, RemoveMember
from twilio_iac.reconcile.pools import named
from twilio_iac.resources import REGISTRY, ResourceType
from twilio_iac.resources.pools import Children, Pool

# (part, identity) → the child's SID: children named by identity (a queue's
# activity, a workflow's queues) are looked up at apply, once they exist.
Lookup = Callable[[str, str], str | None]


def request(
    change: MemberChange,
    account_sid: str,
    known: Mapping[Ref, str],
    lenient: bool = False,
    lookup: Lookup | None = None,
) -> tuple[str, str, str, dict[str, Any]]:
    """(method, api, path, params) of one member change. Owners and members made
    earlier in the run are looked up in ``known``, children named by identity
    with ``lookup``; with ``lenient`` (showing the requests before apply) an
    unknown one stays a reference."""
    rt = REGISTRY[change.kind]
    owner: Any = change.sid or known.get(Ref(change.kind, change.name))
    if owner is None:
        if not lenient:
            raise KeyError(f"{change.label} has no SID yet")
        owner = "{" + f"{change.kind}:{change.name}" + "}"
    base = rt.path(account_sid, owner)
    find = _finder(lookup, lenient)
    if change.part not in rt.parts_by_name:  # settings at a sub-path
        return "POST", rt.api, base + str(change.target), _settings(rt, change, find)
    part = rt.parts_by_name[change.part]
    target = change.target
    if (
        isinstance(part, Children)
        and target is None
        and not isinstance(change, AddMember)
    ):  # a child Twilio made with an owner this run created
        target = find(part.name, change.key)
    if isinstance(change, RemoveMember):
        return "DELETE", rt.api, part.path(base, str(target)), {}
    if isinstance(part, Pool):
        if isinstance(target, Ref):
            shown = "{" + f"{target.kind}:{target.name}" + "}" if lenient else None
            target = known.get(target, shown)
            if target is None:
                raise KeyError(f"{change.target} has no SID yet")
        return "POST", rt.api, part.path(base), {part.param: target}
    values = {n: named.sent(part.by_name[n], v, find) for n, v in change.send.items()}
    if isinstance(change, AddMember):
        return "POST", rt.api, part.path(base), part.create_params(values)
    params = {part.by_name[n].request_param: v for n, v in values.items()}
    return "POST", rt.api, part.path(base, str(target)), params


def _settings(
    rt: ResourceType, change: MemberChange, find: Callable[[str, str], str]
) -> dict[str, Any]:
    return {
        rt.by_name[n].request_param: named.sent(rt.by_name[n], v, find)
        for n, v in change.send.items()
    }


def _finder(lookup: Lookup | None, lenient: bool) -> Callable[[str, str], str]:
    def find(part: str, identity: str) -> str:
        sid = lookup(part, identity) if lookup else None
        if sid is not None:
            return sid
        if lenient:
            return "{" + f"{part}:{identity}" + "}"
        raise KeyError(f"no {part} named {identity!r}")

    return find


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
    def list(self, api: str, path: str, list_key: str) -> list[dict[str, Any]]: ...


def run(
    change: MemberChange, client: Writer, account_sid: str, known: Mapping[Ref, str]
) -> str | None:
    lookup = _children(change, client, account_sid, known)
    method, api, path, params = request(change, account_sid, known, lookup=lookup)
    if method == "DELETE":
        client.delete(api, path)
        return None
    if isinstance(change, AddMember):
        record = client.create(api, path, params)
        return record.get("sid")
    client.update(api, path, params)
    return None


def _children(
    change: MemberChange, client: Writer, account_sid: str, known: Mapping[Ref, str]
) -> Lookup:
    """Looks a child of the change's owner up by identity: one list of that
    part, read when first asked (it holds the children made earlier in this run)."""
    rt = REGISTRY[change.kind]
    read: dict[str, dict[str, str]] = {}

    def lookup(name: str, identity: str) -> str | None:
        part = rt.parts_by_name[name]
        if name not in read:
            owner = change.sid or known[Ref(change.kind, change.name)]
            records = client.list(
                rt.api, part.path(rt.path(account_sid, owner)), part.list_key
            )
            read[name] = {str(r.get(part.identity)): str(r["sid"]) for r in records}
        return read[name].get(identity)

    return lookup
