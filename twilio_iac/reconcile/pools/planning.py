"""Planning what owners hold (resources/pools.py): the member changes of a
whole plan, in the order they run between its writes and its deletes.

A declared pool is the exact pool. Every difference is one MemberChange of its
own (a member joins or leaves, a child is added, changed or removed, settings
under a sub-path are set), so the applier runs it as a step with explicit
dependencies (``after``): an owner is created before members join, members
leave before their owner is deleted, and a member moving between owners
leaves its old pool before it joins the new one (moves.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from twilio_iac.manifests import pools
from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Key, Ref, Resource
from twilio_iac.reconcile.plan import (
    AddMember,
    Change,
    Create,
    Delete,
    MemberChange,
    RemoveMember,
    SetMember,
)
from twilio_iac.reconcile.pools import (
    children,
    memberships,
    moves,
    named,
    order,
    settings,
)
from twilio_iac.reconcile.pools import live as pool_live
from twilio_iac.resources import REGISTRY, ResourceType
from twilio_iac.resources.pools import Pool

Live = Mapping[str, list[Resource]]

# Members leave (all of them: a member may be moving), settings are set,
# then members join.
_RANK = {RemoveMember: 0, SetMember: 1, AddMember: 2}


def for_plan(
    desired: Desired,
    pairs: Mapping[Key, Resource | None],
    changes: Mapping[Key, Change],
    live: Live,
    problems: list[str],
) -> list[Change]:
    """Pool members, nested children and sub-path settings of a whole plan."""
    # Each lookup only when something needs it: most entries of a long
    # manifest (phone numbers) hold nothing.
    declared = _declared(desired, pairs)
    found: list[MemberChange] = []
    if declared:
        labels = _labels(desired)
        lookup = memberships.Lookup(_member_sids(live, changes), changes, labels)
        found = _per_owner(declared, lookup, problems, desired.pruned_parts)
    everything = [r for items in live.values() for r in items]
    deletes = [c for c in changes.values() if isinstance(c, Delete)]
    if deletes:
        by_sid = {r.sid: r for r in everything}
        found += moves.removals_before_delete(deletes, by_sid)
    if found:
        ignored = {
            r.key
            for r in everything
            if desired.ignore.get(r.kind) and desired.ignored(r.kind, r.name)
        }
        found, evicted = moves.evictions(found, everything, ignored)
        problems += evicted
    return sorted(moves.moves(found), key=lambda c: _RANK[type(c)])


def _declared(
    desired: Desired, pairs: Mapping[Key, Resource | None]
) -> dict[Key, tuple[Resource, Resource | None]]:
    """Entries that hold something or set fields at a sub-path: (desired, live)."""
    kinds = {
        kind
        for kind, rt in REGISTRY.items()
        if rt.parts or any(f.endpoint for f in rt.fields)
    }
    return {
        key: (want, pairs.get(key))
        for key, want in desired.resources.items()
        if key.kind in kinds
        and (
            REGISTRY[key.kind].parts
            or settings.endpoint_fields(REGISTRY[key.kind], want)
        )
    }


def _member_sids(
    live: Live, changes: Mapping[Key, Change]
) -> dict[tuple[str, str], str | Ref | None]:
    """(kind, identity) → live SID, or a Ref to what this plan creates."""
    members: dict[tuple[str, str], str | Ref | None] = {
        (r.kind, r.name): r.sid for items in live.values() for r in items
    }
    for c in changes.values():
        if isinstance(c, Create):
            members[(c.kind, c.name)] = Ref(c.kind, c.name)
    return members


def _labels(desired: Desired) -> dict[tuple[str, str], str]:
    """(kind, identity) → the manifest's one name for it (none when ambiguous)."""
    return {
        (kind, keys[0]): label
        for kind, by_label in pools.names(list(desired.resources.values())).items()
        for label, keys in by_label.items()
        if len(keys) == 1
    }


def _per_owner(
    pairs: Mapping[Key, tuple[Resource, Resource | None]],
    lookup: memberships.Lookup,
    problems: list[str],
    prune: frozenset[str] = frozenset(),
) -> list[MemberChange]:
    """Member changes for every declared owner (``pairs``: desired, live)."""
    result: list[MemberChange] = []
    for key, (want, have) in pairs.items():
        rt = REGISTRY[key.kind]
        created = isinstance(lookup.changes.get(key), Create)
        made = _after_owner(rt.kind, want.name, created)
        problems += named.unknown(rt, want, have)
        owner = settings.changes(rt, want, have, made)
        after = _after_owner(rt.kind, want.name, have is None)
        for part in rt.parts:
            if part.name not in want.fields:
                continue  # left out: unmanaged
            before = have.fields.get(part.name, {}) if have else {}
            if isinstance(part, Pool):
                owner += memberships.changes(
                    rt, part, want, have, before, after, lookup, problems
                )
            else:
                if twice := (have.fields.get(pool_live.TWICE, {}) if have else {}).get(
                    part.name
                ):
                    problems.append(_twice(rt, want, part.title, part.name, twice))
                    continue
                pruned = f"{rt.kind}.{part.name}" in prune
                owner += children.changes(
                    rt, part, want, have, before, after, pruned, problems
                )
        result += order.within_owner(rt, want, have, owner)
    return result


def _twice(
    rt: ResourceType, want: Resource, title: str, part: str, names: list[str]
) -> str:
    shown = ", ".join(f'"{n}"' for n in names)
    return (
        f'{rt.kind} "{want.name}" {part}: Twilio holds two or more of {shown}, '
        f"so which {title} an entry means is unclear; rename or delete the "
        "extra ones in the Console, then plan again"
    )


def _after_owner(kind: str, name: str, created: bool) -> tuple[str, ...]:
    return (f"create:{kind}:{name}",) if created else ()


def warnings(desired: Desired, pairs: Mapping[Key, Resource | None]) -> list[str]:
    """What the plan says but does not change: a managed child's SID written
    inside a document (children.sid_warnings)."""
    return [
        text
        for want, have in _declared(desired, pairs).values()
        for text in children.sid_warnings(REGISTRY[want.kind], want, have)
    ]
