"""Execute a Plan: POST and DELETE calls in plan order, stopping at the first failure.

References are sent as SIDs: those of existing objects come with the plan,
those of objects created earlier in this run are filled in as creates land.
Replacements run create-first; their old objects go in the delete phase,
after referrers were re-pointed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import structlog

from twilio_iac.errors import ApplyError, TwilioIacError
from twilio_iac.model import Ref
from twilio_iac.reconcile import held
from twilio_iac.reconcile.plan import (
    Change,
    Create,
    Delete,
    Held,
    Plan,
    Replace,
    Update,
)
from twilio_iac.resources import REGISTRY, ResourceType, apply_order

log = structlog.get_logger(__name__)


class Writer(Protocol):
    def list(self, api: str, path: str, list_key: str) -> list[dict[str, Any]]: ...
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


@dataclass(frozen=True)
class Step:
    phase: str  # "write" or "delete"
    change: Change

    @property
    def label(self) -> str:
        c = self.change
        if isinstance(c, Held):
            return f"{c.action} {c.label}"
        if isinstance(c, Replace):
            what = "create replacement for" if self.phase == "write" else "delete old"
            return f"{what} {c.label}" + (
                f" ({c.sid})" if self.phase == "delete" else ""
            )
        if isinstance(c, Delete):
            verb = "release" if c.guarded else "delete"
            return f"{verb} {c.label} ({c.sid})"
        verb = "purchase" if isinstance(c, Create) and c.purchase else c.action
        return f"{verb} {c.label}"


def steps(plan: Plan) -> list[Step]:
    position = {kind: i for i, kind in enumerate(apply_order())}
    writes = [Step("write", c) for c in plan.changes if not isinstance(c, Delete)]
    removals = [c for c in plan.changes if isinstance(c, (Delete, Replace))]
    removals.sort(key=lambda c: (-position[c.kind], c.name))
    return writes + [Step("delete", c) for c in removals]


def requests(plan: Plan) -> list[dict[str, Any]]:
    """The calls apply will make, for reviewers; unknown SIDs stay references."""
    made = {
        Ref(c.kind, c.name) for c in plan.changes if isinstance(c, (Create, Replace))
    }
    known = {ref: sid for ref, sid in plan.sids.items() if ref not in made}
    calls = []
    for step in steps(plan):
        change, rt = step.change, REGISTRY[step.change.kind]
        if isinstance(change, Held):
            method, api, path, params = held.request(
                change, plan.account_sid, known, lenient=True
            )
            calls.append(
                {
                    "step": step.label,
                    "method": method,
                    "api": api,
                    "path": path,
                    "params": params,
                }
            )
            continue
        if step.phase == "delete":
            method, path, params = "DELETE", rt.path(plan.account_sid, change.sid), {}
        elif isinstance(change, Update):
            method, path = "POST", rt.path(plan.account_sid, change.sid)
            params = _params(rt, change.send, known, lenient=True)
        else:
            method, path = "POST", rt.path(plan.account_sid)
            params = _params(rt, change.send, known, lenient=True)
        calls.append(
            {
                "step": step.label,
                "method": method,
                "api": rt.api,
                "path": path,
                "params": params,
            }
        )
    return calls


def apply(
    plan: Plan,
    client: Writer,
    progress: Callable[[str], None],
) -> int:
    """Run every step; return how many ran. Raises ApplyError on the first failure."""
    known = dict(plan.sids)
    todo = steps(plan)
    done: list[str] = []
    for index, step in enumerate(todo):
        try:
            sid = _run(step, client, plan.account_sid, known)
        except TwilioIacError as exc:
            pending = [s.label for s in todo[index + 1 :]]
            raise ApplyError(done, step.label, exc, pending) from exc
        done.append(step.label + (f" → {sid}" if sid else ""))
        log.info(
            "change.applied", kind=step.change.kind, name=step.change.name, sid=sid
        )
        progress(f"✓ {done[-1]}")
    return len(done)


def _run(
    step: Step, client: Writer, account_sid: str, known: dict[Ref, str]
) -> str | None:
    change = step.change
    if isinstance(change, Held):
        return held.run(change, client, account_sid, known)
    rt = REGISTRY[change.kind]
    if step.phase == "delete":
        client.delete(rt.api, rt.path(account_sid, change.sid))
        return None
    params = _params(rt, change.send, known)
    if isinstance(change, Update):
        client.update(rt.api, rt.path(account_sid, change.sid), params)
        return None
    old = change.sid
    finder = _finder(client, rt, account_sid, change.name, old, set(known.values()))
    record = client.create(rt.api, rt.path(account_sid), params, find_existing=finder)
    known[Ref(change.kind, change.name)] = record["sid"]
    return record["sid"]


def _params(
    rt: ResourceType,
    send: Mapping[str, Any],
    known: Mapping[Ref, str],
    lenient: bool = False,
) -> dict[str, Any]:
    params = {}
    for name, value in send.items():
        if isinstance(value, Ref) and (value in known or not lenient):
            value = known[value]
        params[rt.by_name[name].request_param] = value
    return params


def _finder(
    client: Writer,
    rt: ResourceType,
    account_sid: str,
    name: str,
    old: str | None,
    seen: set[str],
) -> Callable[[], dict[str, Any] | None]:
    """After an ambiguous create, look for the object it may have made."""

    def find() -> dict[str, Any] | None:
        for record in client.list(rt.api, rt.path(account_sid), rt.list_key):
            sid = record.get("sid")
            if record.get(rt.identity) == name and sid != old and sid not in seen:
                return record
        return None

    return find
