"""Children nested in an owner (resources/pools.py ``Children``: a trunk's
origination URLs, a workspace's activities): each one declared and not live
is added, each one whose fields differ is set in place, and each live one not
declared is removed, except those Twilio creates with the owner (``adopted``)
unless the manifest prunes them by name.

A changed create-only field replaces the child: the old one is renamed out
of the way first (Twilio keeps some identities unique, such as an activity's
friendly_name), the new one is added, and the old one removed once whatever
named it points at the new one (order.py). Documents (a workflow's
configuration) are compared as data and shown per path.
"""

from __future__ import annotations

import json
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
from twilio_iac.reconcile.pools.live import sid_names
from twilio_iac.resources import ResourceType
from twilio_iac.resources.pools import Children

# The name an old child takes while its replacement is made.
REPLACED = "{name} (replaced)"
PIN = "sid"  # a declared child's pin to the live child of that SID


def changes(
    rt: ResourceType,
    part: Children,
    want: Resource,
    have: Resource | None,
    before: Mapping[str, Mapping[str, Any]],
    after: tuple[str, ...],
    pruned: bool = False,
    problems: list[str] | None = None,
) -> list[MemberChange]:
    """``after``: the steps an added child waits for (its owner's create);
    ``pruned``: the manifest prunes the children Twilio creates, too. A child
    pinned by ``sid:`` is the live child of that SID, whatever its name."""
    parts = have.fields if have else {}
    wanted = {
        name: canonical(part, {k: v for k, v in fields.items() if k != PIN}, parts)
        for name, fields in want.fields[part.name].items()
    }
    if have is None:  # what Twilio creates with the owner exists once it does
        before = {name: {"sid": None, **f} for name, f in part.adopted.items()}
    pins = _pins(rt, part, want, before, problems)
    claimed = {live_name: name for name, live_name in pins.items()}
    sid = have.sid if have else None
    result: list[MemberChange] = []
    used = set(pins.values())
    for name, fields in wanted.items():
        live = before.get(pins.get(name, "" if name in claimed else name))
        if live is None:
            result.append(_add(rt, part, want, sid, name, fields, after))
            continue
        used.add(pins.get(name, name))
        if _recreated(part, fields, live):
            result += _replace(rt, part, want, sid, name, fields, live, after)
        elif change := _set(rt, part, want, sid, name, fields, live, after):
            result.append(change)
    result += [
        _remove(rt, part, want, sid, name, name, live["sid"])
        for name, live in before.items()
        if name not in used and (pruned or name not in part.adopted)
    ]
    return _freed_first(part, result, claimed)


def _pins(
    rt: ResourceType,
    part: Children,
    want: Resource,
    before: Mapping[str, Mapping[str, Any]],
    problems: list[str] | None,
) -> dict[str, str]:
    """Declared identity → live identity of each child pinned by ``sid:``."""
    by_sid = {live["sid"]: name for name, live in before.items() if live.get("sid")}
    pins = {}
    for name, fields in want.fields[part.name].items():
        pin = fields.get(PIN)
        if pin is None:
            continue
        if pin in by_sid:
            pins[name] = by_sid[pin]
        elif problems is not None:
            problems.append(
                f'{rt.kind} "{want.name}" {part.name} "{name}": sid {pin} is not '
                f"a live {part.title} of this {rt.title}; fix the sid or remove it"
                + (f" ({want.location})" if want.location else "")
            )
    return pins


def _freed_first(
    part: Children, found: list[MemberChange], claimed: Mapping[str, str]
) -> list[MemberChange]:
    """A child renamed to a name another one frees (removed, or renamed away
    by its pin) waits for that: Twilio keeps some names unique."""
    # Name → (the step freeing it, the child it belongs to now).
    frees = {
        c.member: (c.step_id, c.target) for c in found if isinstance(c, RemoveMember)
    }
    frees |= {
        live: (c.step_id, c.target)
        for live, name in claimed.items()
        for c in found
        if isinstance(c, SetMember) and c.member == name and live != name
    }
    result = []
    for c in found:
        takes = c.send.get(part.identity) if not isinstance(c, RemoveMember) else None
        first = frees.get(takes) if isinstance(takes, str) else None
        if isinstance(c, AddMember) and first is None and c.member in claimed:
            first = frees.get(c.member)
        if first and first[1] != c.target and first[0] not in c.after:
            c = replace(c, after=(*c.after, first[0]))
        result.append(c)
    return result


def canonical(
    part: Children, fields: Mapping[str, Any], parts: Mapping[str, Any]
) -> dict[str, Any]:
    """A declared child as live state reads: a SID written inside a document
    for a sibling the owner holds is that sibling's identity."""
    result = dict(fields)
    for f in part.fields:
        if f.type == "json" and f.names_part and isinstance(result.get(f.name), dict):
            names = sid_names(parts.get(f.names_part) or {})
            result[f.name] = nested.replace_at(
                result[f.name], f.name_paths, lambda v, n=names: n.get(v, v)
            )
    return result


def _recreated(
    part: Children, fields: Mapping[str, Any], live: Mapping[str, Any]
) -> bool:
    return any(
        f.create_only and f.name in fields and fields[f.name] != live.get(f.name)
        for f in part.fields
    )


def _add(
    rt: ResourceType,
    part: Children,
    want: Resource,
    sid: str | None,
    name: str,
    fields: Mapping[str, Any],
    after: tuple[str, ...],
    notes: tuple[str, ...] = (),
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
        notes,
        part=part.name,
        member=name,
        key=name,
        target=None,
        after=after,
    )


def _remove(
    rt: ResourceType,
    part: Children,
    want: Resource,
    sid: str | None,
    name: str,
    key: str,
    target: str | None,
    after: tuple[str, ...] = (),
) -> MemberChange:
    """``target`` None: a child Twilio made with an owner this run creates,
    found by ``key`` at apply."""
    return RemoveMember(
        rt.kind,
        want.name,
        sid,
        part=part.name,
        member=name,
        key=key,
        target=target,
        after=after,
    )


def _replace(
    rt: ResourceType,
    part: Children,
    want: Resource,
    sid: str | None,
    name: str,
    fields: Mapping[str, Any],
    live: Mapping[str, Any],
    after: tuple[str, ...],
) -> list[MemberChange]:
    """Rename the old child, add the new one, remove the old one (no rename
    where the identity is itself fixed: the new one has another identity)."""
    fixed = [
        f.name
        for f in part.fields
        if f.create_only and f.name in fields and fields[f.name] != live.get(f.name)
    ]
    note = f"Twilio cannot change {', '.join(fixed)}: replaced by a new {part.title}"
    if part.by_name[part.identity].create_only:
        new = _add(rt, part, want, sid, name, fields, after, (note,))
        gone = str(live.get(part.identity))
        return [
            new,
            _remove(rt, part, want, sid, gone, gone, live["sid"], (new.step_id,)),
        ]
    moved = REPLACED.format(name=name)
    rename = SetMember(
        rt.kind,
        want.name,
        sid,
        (FieldChange(part.identity, name, moved),),
        {part.identity: moved},
        (note,),
        part=part.name,
        member=name,
        key=name,
        target=live["sid"],
        after=after,
    )
    new = _add(rt, part, want, sid, name, fields, (*after, rename.step_id))
    old = _remove(rt, part, want, sid, moved, moved, live["sid"], (new.step_id,))
    return [rename, new, old]


def _set(
    rt: ResourceType,
    part: Children,
    want: Resource,
    sid: str | None,
    name: str,
    fields: Mapping[str, Any],
    live: Mapping[str, Any],
    after: tuple[str, ...],
) -> MemberChange | None:
    changed = {n: v for n, v in fields.items() if live.get(n) != v}
    if not changed:
        return None
    shown: list[FieldChange] = []
    for n, v in changed.items():
        if part.by_name[n].type == "json":
            shown += document_changes(n, live.get(n), v)
        else:
            shown.append(FieldChange(n, live.get(n), v))
    return SetMember(
        rt.kind,
        want.name,
        sid,
        tuple(shown),
        changed,
        part=part.name,
        member=name,
        key=name,
        target=live["sid"],
        after=after if live["sid"] is None else (),
    )


def document_changes(path: str, before: Any, after: Any) -> list[FieldChange]:
    """One FieldChange per leaf path that differs: ``configuration.
    task_routing.filters[0].expression``, never the whole document."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [
            fc
            for key in [*before, *(k for k in after if k not in before)]
            for fc in document_changes(f"{path}.{key}", before.get(key), after.get(key))
        ]
    if (
        isinstance(before, list)
        and isinstance(after, list)
        and len(before) == len(after)
    ):
        return [
            fc
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            for fc in document_changes(f"{path}[{i}]", b, a)
        ]
    return [] if before == after else [FieldChange(path, before, after)]


def sid_warnings(rt: ResourceType, want: Resource, have: Resource | None) -> list[str]:
    """A SID of a managed sibling written inside a document, outside the
    paths that name siblings (a queue's SID in a filter expression): sent as
    written, so it breaks in any other account. Said, never changed."""
    if have is None:
        return []
    found = []
    for part in rt.parts:
        if not isinstance(part, Children) or part.name not in want.fields:
            continue
        for f in part.fields:
            if f.type != "json" or not f.names_part:
                continue
            names = sid_names(have.fields.get(f.names_part) or {})
            for child, fields in want.fields[part.name].items():
                found += _sids_inside(rt, want, part, child, fields.get(f.name), names)
    return found


def _sids_inside(
    rt: ResourceType,
    want: Resource,
    part: Children,
    child: str,
    document: Any,
    names: Mapping[str, str],
) -> list[str]:
    field = next(f for f in part.fields if f.type == "json")
    cleared = nested.replace_at(document, field.name_paths, lambda _v: None)
    text = json.dumps(cleared)
    return [
        f'{rt.kind} "{want.name}" {part.name} "{child}": {field.name} names '
        f'{sid} ({field.names_part} "{name}", which the manifests manage) outside '
        "a queue field, where it is sent as written and points elsewhere in any "
        f'other account; route to it with a target\'s queue: "{name}" instead'
        + (f" ({want.location})" if want.location else "")
        for sid, name in names.items()
        if sid in text
    ]
