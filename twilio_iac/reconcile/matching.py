"""Steps 1 and 2 of planning (planner.py): match manifest entries to live
objects, and resolve SIDs to the names the plan knows their targets by.

A manifest entry claims the live object its `sid:` pin names, else the one
live object with its identity. Two candidates is an error, never a guess.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from twilio_iac.errors import AmbiguousLiveState
from twilio_iac.model import Key, Ref, Resource
from twilio_iac.resources import REGISTRY, Field, ResourceType
from twilio_iac.resources.pools import Children
from twilio_iac.resources.studio_flows import IN_DEFINITIONS, flow_sid

Live = Mapping[str, list[Resource]]


@dataclass(frozen=True)
class Matched:
    pairs: dict[Key, Resource | None]  # manifest entry → its live object
    leftovers: dict[str, list[Resource]]  # per kind: live objects nobody claims
    # Objects an interrupted replace left behind, with the entry that replaced them.
    superseded: list[tuple[Resource, Key]]
    refs: dict[str, Ref]  # SID → the name the plan calls that object
    resolved: dict[str | None, Resource]  # SID → live object, references resolved
    owners: dict[str | None, Key]  # SID → the key its changes are planned under


def matched(
    wanted: Mapping[Key, Resource],
    live: Live,
    skip: set[str | None],
    problems: list[str],
    warnings: list[str],
) -> Matched:
    """``skip``: SIDs of live objects an ignore rule hands to someone else."""
    managed = {
        kind: [r for r in items if r.sid not in skip] for kind, items in live.items()
    }
    pairs, leftovers, superseded = _match(wanted, managed, problems, warnings)
    if problems:
        raise AmbiguousLiveState(
            "Live objects share an identity, so the plan cannot tell which one a "
            "manifest entry means. Nothing was changed.",
            problems,
        )
    refs = _ref_names(pairs, leftovers)
    refs |= _child_ref_names(pairs)
    # Each live object resolved once, for its pair and for the referrer checks.
    resolved = {r.sid: resolve(r, refs) for items in live.values() for r in items}
    owners = _owners(pairs, leftovers)
    return Matched(pairs, leftovers, superseded, refs, resolved, owners)


def _match(
    wanted: Mapping[Key, Resource], live: Live, problems: list[str], warnings: list[str]
) -> tuple[
    dict[Key, Resource | None],
    dict[str, list[Resource]],
    list[tuple[Resource, Key]],
]:
    pairs: dict[Key, Resource | None] = {}
    leftovers: dict[str, list[Resource]] = {}
    superseded: list[tuple[Resource, Key]] = []
    by_kind: dict[str, list[Resource]] = defaultdict(list)
    for want in wanted.values():
        by_kind[want.kind].append(want)
    for kind in set(by_kind) | set(live):
        lives = live.get(kind, [])
        claimed = _match_pins(by_kind[kind], lives, pairs, warnings)
        by_name: dict[str, list[Resource]] = defaultdict(list)
        for r in lives:
            if r.sid not in claimed:
                by_name[r.name].append(r)
        for want in (w for w in by_kind[kind] if not w.sid):
            found = by_name.get(want.name, [])
            survivor = _replacement(REGISTRY[kind], want, found) if found[1:] else None
            if survivor is not None:
                superseded += [(r, want.key) for r in found if r is not survivor]
                found = [survivor]
            elif len(found) > 1:
                sids = ", ".join(r.sid or "?" for r in found)
                problems.append(
                    f'{want.location} {kind} "{want.name}": {len(found)} live objects '
                    f"have this identity ({sids}); add `sid:` to the entry to pin one"
                )
            pairs[want.key] = found[0] if len(found) == 1 else None
            for r in found:
                claimed.add(r.sid)
        leftovers[kind] = [r for r in lives if r.sid not in claimed]
    return pairs, leftovers, superseded


def _match_pins(
    wants: list[Resource],
    lives: list[Resource],
    pairs: dict[Key, Resource | None],
    warnings: list[str],
) -> set[str | None]:
    """Entries with a `sid:` pin claim that object; returns the claimed SIDs."""
    by_sid = {r.sid: r for r in lives}
    claimed: set[str | None] = set()
    for want in (w for w in wants if w.sid):
        hit = by_sid.get(want.sid)
        pairs[want.key] = hit
        claimed.add(want.sid)
        if hit is None:
            warnings.append(
                f'{want.location} {REGISTRY[want.kind].title} "{want.name}" is '
                f"pinned to {want.sid}, which does not exist (deleted outside "
                "twilio-iac?): it is planned as a create."
            )
    return claimed


def _replacement(
    rt: ResourceType, want: Resource, found: list[Resource]
) -> Resource | None:
    """After an interrupted replace, the one same-named object that already has
    the manifest's create-only values is the replacement; the others are what
    the replace was going to delete."""
    fixed = [name for name in rt.create_only if name in want.fields]
    if len(found) < 2 or not fixed or rt.guard_delete:
        return None
    fits = [r for r in found if all(r.fields.get(f) == want.fields[f] for f in fixed)]
    return fits[0] if len(fits) == 1 else None


def _ref_names(
    pairs: Mapping[Key, Resource | None], leftovers: Mapping[str, list[Resource]]
) -> dict[str, Ref]:
    """SID → the name the plan calls that object (the manifest's, when matched).

    A leftover whose name another live object of its kind also has keeps its
    raw SID: mapping both to one name would make different targets compare equal.
    """
    refs = {
        have.sid: Ref(key.kind, key.name)
        for key, have in pairs.items()
        if have is not None and have.sid
    }
    # Counted by (kind, name), the Refs they would be: Keys hash in C.
    taken = Counter(iter(pairs))  # the keys, not a mapping of counts
    taken.update(r.key for items in leftovers.values() for r in items)
    for items in leftovers.values():
        for r in items:
            if r.sid and taken[r.key] == 1:
                refs[r.sid] = Ref(r.kind, r.name)
    return refs


def _child_ref_names(pairs: Mapping[Key, Resource | None]) -> dict[str, Ref]:
    """SIDs of the nested objects a flow definition may name (a TaskRouter
    workspace's workflows and task channels, manifests/flows.py REFS) →
    ``Ref("<kind>.<part>", "<owner>/<identity>")``, as the manifest writes
    ``{"ref": "workflow:<workspace>/<workflow>"}``. Only owners the manifests
    declare, and only kinds in IN_DEFINITIONS: none has children yet, so this
    is where the TaskRouter kind plugs in."""
    refs: dict[str, Ref] = {}
    for key, have in pairs.items():
        if have is None or key.kind not in IN_DEFINITIONS:
            continue
        for part in REGISTRY[key.kind].parts:
            if not isinstance(part, Children):
                continue
            for identity, child in (have.fields.get(part.name) or {}).items():
                sid = child.get("sid") if isinstance(child, Mapping) else None
                if sid:
                    refs[sid] = Ref(f"{key.kind}.{part.name}", f"{key.name}/{identity}")
    return refs


def _owners(
    pairs: Mapping[Key, Resource | None], leftovers: Mapping[str, list[Resource]]
) -> dict[str | None, Key]:
    owners = {r.sid: r.key for items in leftovers.values() for r in items}
    owners.update({have.sid: key for key, have in pairs.items() if have is not None})
    return owners


def resolve(resource: Resource, refs: Mapping[str, Ref]) -> Resource:
    # Loops, not comprehensions: called for every live object and entry.
    rt = REGISTRY[resource.kind]
    fields, found = resource.fields, None
    for name in rt.references:
        key = _target(rt.by_name[name], fields.get(name))
        if key is not None and key in refs:
            found = found or {}
            found[name] = refs[key]
    for name in _structured(resource.kind):
        value = fields.get(name)
        if value is not None and (named := _named(value, refs)) != value:
            found = found or {}
            found[name] = named
    if found is None:  # nothing to resolve: no need for a copy
        return resource
    return resource.with_fields(fields | found)


@cache
def _structured(kind: str) -> tuple[str, ...]:
    return tuple(f.name for f in REGISTRY[kind].fields if f.type == "json")


def _target(f: Field, value: object) -> str | None:
    """The SID a reference field holds: itself, or the flow a URL runs."""
    if f.type == "uri":
        return flow_sid(value)
    return value if isinstance(value, str) else None


def _named(value: Any, refs: Mapping[str, Ref]) -> Any:
    """Structured data with the SIDs of objects the plan knows made Refs
    (a widget's flow_sid written as {"ref": "flow:…"} in the manifest)."""
    if isinstance(value, str):
        found = refs.get(value)
        # Only what a definition may name by reference: a raw SID of anything
        # else stays as written, so a manifest's raw SID still compares equal.
        named = found is not None and found.kind.split(".")[0] in IN_DEFINITIONS
        return found if named else value
    if isinstance(value, dict):
        return {key: _named(item, refs) for key, item in value.items()}
    if isinstance(value, list):
        return [_named(item, refs) for item in value]
    return value
