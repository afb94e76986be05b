"""The order of one owner's changes where its children name each other
(resources/base.py ``Field.names_part``: a queue's activities, a workflow's
queues, a workspace's default activity).

- What names a child is written after that child is added or set: a queue
  after the activities it names, a workflow after its queues, the
  workspace's default and timeout activity (the ``defaults`` settings) after
  those activities.
- A child is removed only after what named it has moved off it (and after
  the referrers being removed): workflows re-pointed before a queue they
  named goes, defaults and queues re-pointed before an activity goes.
- A replaced child (children.py) is named again, by the same name, wherever
  the manifests or live state name it, so that its old self can be removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from twilio_iac.manifests import nested
from twilio_iac.model import Resource
from twilio_iac.reconcile.plan import (
    AddMember,
    FieldChange,
    MemberChange,
    RemoveMember,
    SetMember,
)
from twilio_iac.reconcile.pools.children import REPLACED
from twilio_iac.reconcile.pools.settings import NAMED
from twilio_iac.resources import ResourceType
from twilio_iac.resources.pools import Children

REPOINTED = "re-pointed at the new"


def within_owner(
    rt: ResourceType,
    want: Resource,
    have: Resource | None,
    found: list[MemberChange],
) -> list[MemberChange]:
    """The owner's member changes with re-points added and ``after`` set."""
    refers = _refers(rt)
    if not refers:
        return found
    found = _repoint(rt, want, have, found, _replaced(rt, found))
    # Part → child → the steps writing it (a replace writes one name twice).
    writes: dict[str, dict[str, list[str]]] = {}
    for c in found:
        if not isinstance(c, RemoveMember):
            writes.setdefault(c.part, {}).setdefault(c.member, []).append(c.step_id)
    result = []
    for c in found:
        if isinstance(c, RemoveMember):  # after what named it moves off it
            gone = {c.member, c.member.removesuffix(REPLACED.format(name=""))}
            waits = [
                r.step_id
                for r in found
                if c.part in refers.get(r.part, ())
                and (isinstance(r, RemoveMember) or gone & _named_before(r))
            ]
        else:  # after the writes of the children it names
            waits = [
                s
                for p in refers.get(c.part, ())
                for name in _names_sent(rt, c, p)
                for s in writes.get(p, {}).get(name, [])
            ]
        extra = tuple(s for s in waits if s not in c.after and s != c.step_id)
        result.append(replace(c, after=c.after + extra) if extra else c)
    return result


def _named_before(c: MemberChange) -> set[str]:
    """What a change's fields named before it (a superset: any text)."""
    return {fc.before for fc in c.fields if isinstance(fc.before, str)}


def _names_sent(rt: ResourceType, c: MemberChange, part: str) -> set[str]:
    """The children of ``part`` that a change's values name."""
    owner = rt.parts_by_name.get(c.part)
    fields = owner.fields if isinstance(owner, Children) else rt.fields
    names: set[str] = set()
    for f in fields:
        value = c.send.get(f.name)
        if f.names_part != part or value is None:
            continue
        if f.type == "json":
            names |= {n for _, n in nested.names_at(value, f.name_paths)}
        else:
            names.add(value)
    return {n for n in names if isinstance(n, str)}


def _refers(rt: ResourceType) -> dict[str, frozenset[str]]:
    """Referrer part (or ``defaults``) → the parts whose children it names."""
    found = {
        part.name: part.refers_to
        for part in rt.parts
        if isinstance(part, Children) and part.refers_to
    }
    owner = frozenset(f.names_part for f in rt.fields if f.names_part)
    if owner:
        found[NAMED] = owner
    return found


def _replaced(rt: ResourceType, found: list[MemberChange]) -> set[tuple[str, str]]:
    """(part, identity) of each child being replaced."""
    result = set()
    for c in found:
        part = rt.parts_by_name.get(c.part)
        if isinstance(c, SetMember) and isinstance(part, Children):
            renamed = c.send.get(part.identity)
            if renamed == REPLACED.format(name=c.member):
                result.add((c.part, c.member))
    return result


def _repoint(
    rt: ResourceType,
    want: Resource,
    have: Resource | None,
    found: list[MemberChange],
    replaced: set[tuple[str, str]],
) -> list[MemberChange]:
    if not replaced:
        return found
    result = list(found)
    for part in rt.parts:
        if not isinstance(part, Children) or part.name not in want.fields:
            continue
        live = have.fields.get(part.name, {}) if have else {}
        for name, fields in want.fields[part.name].items():
            names = _naming(part.fields, fields, replaced)
            # The live child: by its pin, else by name.
            target = fields.get("sid") or (live.get(name) or {}).get("sid")
            if names and target:
                result = _with(result, rt, want, have, (part.name, name, target), names)
    # What the owner names now: as declared, else as live, else (a new
    # owner) Twilio's default.
    owner = {
        f.name: want.fields.get(f.name, (have.fields if have else {}).get(f.name))
        or f.default
        for f in rt.fields
        if f.names_part
    }
    names = _naming(rt.fields, owner, replaced)
    if names:
        result = _with(result, rt, want, have, (NAMED, "", ""), names)
    return result


def _naming(
    fields: Any, values: Mapping[str, Any], replaced: set[tuple[str, str]]
) -> dict[str, str]:
    """Field → the replaced child's name, for each field naming one."""
    return {
        f.name: values[f.name]
        for f in fields
        if f.names_part
        and f.type != "json"
        and (f.names_part, values.get(f.name)) in replaced
    }


def _with(
    found: list[MemberChange],
    rt: ResourceType,
    want: Resource,
    have: Resource | None,
    child: tuple[str, str, Any],
    names: Mapping[str, str],
) -> list[MemberChange]:
    """``found`` with a write of ``names`` for that child (or the defaults):
    folded into the change already planned for it, else a new SetMember."""
    part, member, target = child
    extra = tuple(FieldChange(n, v, v, REPOINTED) for n, v in names.items())
    for i, c in enumerate(found):
        if c.part == part and c.member == member and not isinstance(c, RemoveMember):
            if isinstance(c, AddMember):
                return found
            missing = tuple(fc for fc in extra if fc.name not in c.send)
            send = {**dict(names), **c.send}
            notes = c.notes + _notes(missing)
            found[i] = replace(c, fields=c.fields + missing, send=send, notes=notes)
            return found
    sid = have.sid if have else None
    return [
        *found,
        SetMember(
            rt.kind,
            want.name,
            sid,
            extra,
            dict(names),
            _notes(extra),
            part=part,
            member=member,
            key=member,
            target=target,
        ),
    ]


def _notes(repointed: tuple[FieldChange, ...]) -> tuple[str, ...]:
    return tuple(f"{fc.name} {REPOINTED} {fc.after!r} first" for fc in repointed)
