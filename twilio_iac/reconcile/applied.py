"""Is a saved plan already applied? Live state read now against each change's
result, so a CI retry of `apply plan.json` after it succeeded says so instead
of calling the plan stale.

Conservative: a change counts as done only when everything it would write
can be seen live with that value; anything it cannot check (a field Twilio
never returns) is left out of the comparison, and a change it cannot judge
at all counts as not done.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twilio_iac import urlauth
from twilio_iac.model import Ref, Resource
from twilio_iac.reconcile.plan import (
    AddMember,
    Change,
    Create,
    Delete,
    MemberChange,
    Plan,
    RemoveMember,
    Replace,
    SetMember,
    Update,
)
from twilio_iac.resources import REGISTRY
from twilio_iac.resources.pools import Children

Live = Mapping[str, list[Resource]]
_MISSING = object()


class _State:
    def __init__(self, state: Live) -> None:
        self.by_sid = {r.sid: r for items in state.values() for r in items}
        self.by_name: dict[tuple[str, str], list[Resource]] = {}
        for kind, items in state.items():
            for r in items:
                self.by_name.setdefault((kind, r.name), []).append(r)

    def named(self, kind: str, name: str) -> Resource | None:
        found = self.by_name.get((kind, name), [])
        return found[0] if len(found) == 1 else None

    def value(self, wanted: Any) -> Any:
        """A reference's SID now; any other value as it is."""
        if isinstance(wanted, Ref):
            target = self.named(wanted.kind, wanted.name)
            return target.sid if target else _MISSING
        return wanted


def already_applied(plan: Plan, state: Live) -> bool:
    """Does live state already show every change of ``plan`` as made?"""
    if not plan.changes:
        return False
    now = _State(state)
    return all(_done(change, now, plan) for change in plan.changes)


def _done(change: Change, now: _State, plan: Plan) -> bool:
    if isinstance(change, MemberChange):
        return _member_done(change, now)
    if isinstance(change, Delete):
        return change.sid not in now.by_sid
    if isinstance(change, Create | Replace):
        made = now.named(change.kind, change.name)
        if made is None or (isinstance(change, Replace) and made.sid == change.sid):
            return False
        if isinstance(change, Replace) and change.sid in now.by_sid:
            return False  # the old copy is still there: the replace is unfinished
        return _fields_match(change, made.fields, now)
    if isinstance(change, Update):
        have = now.by_sid.get(change.sid)
        return have is not None and _fields_match(change, have.fields, now)
    return False


def _fields_match(change: Change, fields: Mapping[str, Any], now: _State) -> bool:
    for fc in change.fields:
        if fc.name not in fields:
            continue  # never returned by Twilio (write-only): cannot be seen
        if not _same(now.value(fc.after), fields[fc.name]):
            return False
    return True


def _same(wanted: Any, live: Any) -> bool:
    if wanted is _MISSING:
        return False
    # A saved plan keeps a URL's password as its ${VAR} template, and live
    # values as they are: compare both masked.
    return urlauth.mask_data({"v": wanted}) == urlauth.mask_data({"v": live})


def _owner(change: MemberChange, now: _State) -> Resource | None:
    if change.sid is not None:
        return now.by_sid.get(change.sid)
    return now.named(change.kind, change.name)


def _member_done(change: MemberChange, now: _State) -> bool:
    owner = _owner(change, now)
    if owner is None:
        return False
    part = REGISTRY[change.kind].parts_by_name.get(change.part)
    if part is None:  # sub-path settings: the owner's own fields
        return isinstance(change, SetMember) and _fields_match(
            change, owner.fields, now
        )
    held = owner.fields.get(change.part) or {}
    if isinstance(change, RemoveMember):
        return change.key not in held
    if isinstance(change, AddMember) and not isinstance(part, Children):
        return change.key in held
    entry = held.get(change.key)
    return isinstance(entry, Mapping) and _fields_match(change, entry, now)
