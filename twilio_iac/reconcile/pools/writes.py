"""Writing what owners hold at apply: the request each member change makes.

A pool member joins by a POST naming it and leaves by a DELETE of its record;
a child is created with every field (Twilio requires them), changed in place,
or deleted; settings at a sub-path are one POST there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from twilio_iac.model import Ref
from twilio_iac.reconcile.plan import AddMember, MemberChange, RemoveMember
from twilio_iac.resources import REGISTRY
from twilio_iac.resources.pools import Pool


def request(
    change: MemberChange,
    account_sid: str,
    known: Mapping[Ref, str],
    lenient: bool = False,
) -> tuple[str, str, str, dict[str, Any]]:
    """(method, api, path, params) of one member change. Owners and members made
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
    if isinstance(change, RemoveMember):
        return "DELETE", rt.api, part.path(base, str(change.target)), {}
    if isinstance(part, Pool):
        target = change.target
        if isinstance(target, Ref):
            shown = "{" + f"{target.kind}:{target.name}" + "}" if lenient else None
            target = known.get(target, shown)
            if target is None:
                raise KeyError(f"{change.target} has no SID yet")
        return "POST", rt.api, part.path(base), {part.param: target}
    if isinstance(change, AddMember):
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
    change: MemberChange, client: Writer, account_sid: str, known: Mapping[Ref, str]
) -> str | None:
    method, api, path, params = request(change, account_sid, known)
    if method == "DELETE":
        client.delete(api, path)
        return None
    if isinstance(change, AddMember):
        record = client.create(api, path, params)
        return record.get("sid")
    client.update(api, path, params)
    return None
