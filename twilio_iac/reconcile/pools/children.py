"""Children nested in an owner (resources/pools.py ``Children``: a trunk's
origination URLs): each one declared and not live is added, each one whose
fields differ is set in place, and each live one not declared is removed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twilio_iac.model import Resource
from twilio_iac.reconcile.plan import (
    AddMember,
    FieldChange,
    MemberChange,
    RemoveMember,
    SetMember,
)
from twilio_iac.resources import ResourceType
from twilio_iac.resources.pools import Children


def changes(
    rt: ResourceType,
    part: Children,
    want: Resource,
    have: Resource | None,
    before: Mapping[str, Mapping[str, Any]],
    after: tuple[str, ...],
) -> list[MemberChange]:
    """``after``: the steps an added child waits for (its owner's create)."""
    wanted: Mapping[str, Mapping[str, Any]] = want.fields[part.name]
    sid = have.sid if have else None
    result: list[MemberChange] = []
    for name, fields in wanted.items():
        live = before.get(name)
        if live is None:
            result.append(_add(rt, part, want, sid, name, fields, after))
        elif change := _set(rt, part, want, sid, name, fields, live):
            result.append(change)
    result += [
        RemoveMember(
            rt.kind,
            want.name,
            sid,
            part=part.name,
            member=name,
            key=name,
            target=live["sid"],
        )
        for name, live in before.items()
        if name not in wanted
    ]
    return result


def _add(
    rt: ResourceType,
    part: Children,
    want: Resource,
    sid: str | None,
    name: str,
    fields: Mapping[str, Any],
    after: tuple[str, ...],
) -> MemberChange:
    shown = tuple(
        FieldChange(n, None, v) for n, v in fields.items() if n != part.identity
    )
    return AddMember(
        rt.kind,
        want.name,
        sid,
        shown,
        dict(fields),
        part=part.name,
        member=name,
        key=name,
        target=None,
        after=after,
    )


def _set(
    rt: ResourceType,
    part: Children,
    want: Resource,
    sid: str | None,
    name: str,
    fields: Mapping[str, Any],
    live: Mapping[str, Any],
) -> MemberChange | None:
    changed = tuple(
        FieldChange(n, live.get(n), v) for n, v in fields.items() if live.get(n) != v
    )
    if not changed:
        return None
    return SetMember(
        rt.kind,
        want.name,
        sid,
        changed,
        {fc.name: fc.after for fc in changed},
        part=part.name,
        member=name,
        key=name,
        target=live["sid"],
    )
