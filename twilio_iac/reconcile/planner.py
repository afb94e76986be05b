"""Compare desired and live state and produce an ordered, safe Plan.

Design note. live.py has already normalized every value (null vs "", booleans,
method case, server defaults), so the diff itself is a plain comparison of the
fields a manifest sets; fields it leaves out are never compared. The steps
(1-2 in matching.py, 3 in diff.py, member changes in pools/planning.py):

1. Match: a manifest entry claims the live object its `sid:` pin names, else
   the one live object with its identity. Two candidates is an error, never a
   guess. Live objects nobody claims are left alone unless their kind is pruned.
2. Resolve: SIDs become Refs to the name the plan knows the target by, on both
   sides, so `voice_application: ivr` equals a live `voice_application_sid: AP…`.
3. Diff: absent → Create (phone numbers only with `purchase: true`); changed
   create-only field → Replace (never for phone numbers: that would release
   one); other changes → Update; unclaimed live objects of pruned kinds → Delete.
4. Re-point objects that refer to a replaced target, refuse deletes that would
   leave a dangling reference, then order by the kind dependency graph:
   writes in dependency order, deletes in reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from twilio_iac.errors import PlanError
from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Key, Ref, Resource
from twilio_iac.reconcile import diff, referrers, renames, selection
from twilio_iac.reconcile.matching import Live, Matched, matched
from twilio_iac.reconcile.plan import (
    Change,
    Create,
    Delete,
    Plan,
    Replace,
    count_managed,
    too_much_change,
)
from twilio_iac.reconcile.pools import planning as pool_planning
from twilio_iac.resources import apply_order

_RANK = {"create": 0, "purchase": 0, "replace": 1, "update": 2, "delete": 3}

Planned = tuple[dict[Key, Change], list[Change], list[tuple[Resource, Key]]]


def plan(
    desired: Desired,
    live: Live,
    account_sid: str,
    kinds: tuple[str, ...] | None = None,
) -> Plan:
    """``kinds``: plan changes to these kinds only (`--kinds`, selection.py)."""
    problems: list[str] = []
    warnings = list(desired.warnings)
    # Objects an ignore rule hands to someone else are never matched, diffed or
    # deleted; they still count as referrers, which nothing may leave dangling.
    ignored = [
        r
        for kind, items in live.items()
        if desired.ignore.get(kind)  # glob matching only where a rule exists
        for r in items
        if desired.ignored(r.kind, r.name)
    ]
    found = matched(
        desired.resources, live, {r.sid for r in ignored}, problems, warnings
    )
    if kinds is None:
        changes, member_changes, superseded = _whole(desired, found, live, problems)
    else:
        changes, member_changes, superseded = _narrowed(
            kinds, desired, found, live, problems
        )
    changes = renames.hinted(changes, desired, found)
    warnings += pool_planning.warnings(desired, found.pairs)
    ignored_keys = {r.key for r in ignored}
    warnings += _checked(
        changes, live, found, superseded, ignored_keys, kinds, problems
    )
    if problems:
        raise PlanError("The manifests cannot be applied to this account:", problems)
    sids = {ref: sid for sid, ref in found.refs.items()}
    result = _finished(
        desired, live, account_sid, changes, member_changes, warnings, sids
    )
    return result if kinds is None else replace(result, kinds=kinds)


def _whole(
    desired: Desired, found: Matched, live: Live, problems: list[str]
) -> Planned:
    changes = diff.diffs(desired, found.pairs, found.refs, found.resolved, problems)
    changes |= diff.prunes(
        desired.prune, found.leftovers, found.owners, found.superseded
    )
    member_changes = pool_planning.for_plan(
        desired, found.pairs, changes, live, problems
    )
    return changes, member_changes, found.superseded


def _narrowed(
    kinds: tuple[str, ...],
    desired: Desired,
    found: Matched,
    live: Live,
    problems: list[str],
) -> Planned:
    """A `--kinds` plan: only what is inside the selection, refused where it
    needs a change outside it."""
    # Entries of unselected kinds with no live object: the whole plan
    # would create them, this one cannot.
    absent = [
        k for k, have in found.pairs.items() if have is None and k.kind not in kinds
    ]
    changes, member_changes, superseded = _selected(
        kinds, desired, found, absent, live, problems
    )
    changes, member_changes = selection.keep(
        kinds, changes, member_changes, [Ref(k.kind, k.name) for k in absent], problems
    )
    return changes, member_changes, superseded


def _selected(
    kinds: tuple[str, ...],
    desired: Desired,
    found: Matched,
    absent: list[Key],
    live: Live,
    problems: list[str],
) -> Planned:
    """The diffs, prunes and member changes of a `--kinds` plan, before
    selection.keep drops what is outside it; prune only within ``kinds``.
    Entries of other kinds are not diffed (their problems are not this
    plan's); those ``absent`` live count as created, so a selected pool that
    wants one is refused by name, not planned without it."""
    superseded = [(old, key) for old, key in found.superseded if old.kind in kinds]
    chosen = replace(
        desired,
        resources={k: r for k, r in desired.resources.items() if k.kind in kinds},
    )
    changes = diff.diffs(chosen, found.pairs, found.refs, found.resolved, problems)
    changes |= diff.prunes(
        desired.prune & set(kinds), found.leftovers, found.owners, superseded
    )
    creates = {key: Create(key.kind, key.name, None) for key in absent}
    member_changes = pool_planning.for_plan(
        chosen, found.pairs, changes | creates, live, problems
    )
    return changes | creates, member_changes, superseded


def _checked(
    changes: dict[Key, Change],
    live: Live,
    found: Matched,
    superseded: list[tuple[Resource, Key]],
    ignored: set[Key],
    kinds: tuple[str, ...] | None,
    problems: list[str],
) -> list[str]:
    """Step 4: re-point referrers of replaced targets, refuse dangling
    references; returns the notes on referrers left out."""
    owners, resolved = found.owners, found.resolved
    resolved_live = [
        (owners.get(r.sid) or r.key, resolved[r.sid])
        for items in live.values()
        for r in items
    ]
    moves = _moves(changes, superseded)
    referrers.repoint(changes, resolved_live, moves, ignored, problems)
    if kinds is not None:
        selection.outside(kinds, changes, problems)
    referrers.check_dangling(changes, resolved_live, problems)
    return referrers.exclusion_notes(changes, resolved_live)


def _finished(
    desired: Desired,
    live: Live,
    account_sid: str,
    changes: Mapping[Key, Change],
    member_changes: list[Change],
    warnings: list[str],
    sids: dict[Ref, str],
) -> Plan:
    """The plan with what it was computed against: the live fields of every
    object it touches and the live counts behind the too-much-change check."""
    ordered = tuple(_ordered(changes.values()))
    # Member changes go between the writes and the deletes (pools/planning.py).
    writes = [c for c in ordered if not isinstance(c, Delete)]
    deletes = [c for c in ordered if isinstance(c, Delete)]
    ordered = (*writes, *member_changes, *deletes)
    ignore = dict(desired.ignore)
    counts = count_managed(ignore, live)
    too_much = too_much_change(ordered, counts)
    if too_much:
        warnings.append("apply will refuse without --force: " + "; ".join(too_much))
    by_sid = {r.sid: r for items in live.values() for r in items}
    return Plan(
        account_sid,
        ordered,
        tuple(warnings),
        sids,
        observed={c.sid: dict(by_sid[c.sid].fields) for c in ordered if c.sid},
        live_counts=counts,
        ignore=ignore,
    )


def _moves(
    changes: Mapping[Key, Change], superseded: list[tuple[Resource, Key]]
) -> dict[Any, Ref]:
    """What referrers hold now → the target they must point at instead."""
    moves: dict[Any, Ref] = {
        Ref(c.kind, c.name): Ref(c.kind, c.name)
        for c in changes.values()
        if isinstance(c, Replace)
    }
    moves.update({old.sid: Ref(key.kind, key.name) for old, key in superseded})
    return moves


def _ordered(changes: Any) -> list[Change]:
    position = {kind: i for i, kind in enumerate(apply_order())}
    writes = [c for c in changes if not isinstance(c, Delete)]
    deletes = [c for c in changes if isinstance(c, Delete)]
    writes.sort(key=lambda c: (position[c.kind], _RANK[c.action], c.name))
    deletes.sort(key=lambda c: (-position[c.kind], c.name))
    return writes + deletes
