"""`--kinds`: plan only some kinds, like Terraform's -target.

The manifests of the kinds the selection points at stay in the plan's view,
so references still resolve by the names the manifests use; only their
changes are left out. A selected change that needs one of those left-out
changes (an object the full plan would create, a member to take out of an
unselected owner first, a referrer to re-point) is refused: applying it
alone would fail halfway or point at nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from typing import Any

from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Key, Ref
from twilio_iac.reconcile.plan import Change, MemberChange, step_id
from twilio_iac.resources import REGISTRY, related_kinds

_FIX = "Add {kind} to --kinds, or drop --kinds to plan everything."


def reads(wanted: Desired, kinds: Collection[str] | None) -> set[str]:
    """The kinds whose live state the plan needs: the selected kinds the
    manifests declare or prune, and every kind related to them."""
    used = {key.kind for key in wanted.resources} | set(wanted.prune)
    return related_kinds(used if kinds is None else used & set(kinds))


def narrow(wanted: Desired, kinds: Collection[str] | None) -> Desired:
    """The manifests as a selection sees them: entries of the kinds read (for
    names), and `prune` only within the selection."""
    if kinds is None:
        return wanted
    seen = reads(wanted, kinds)
    return replace(
        wanted,
        resources={k: r for k, r in wanted.resources.items() if k.kind in seen},
        prune=wanted.prune & frozenset(kinds),
    )


def _refs(change: Change) -> Iterable[Ref]:
    values: list[Any] = [*change.send.values(), *(fc.after for fc in change.fields)]
    if isinstance(change, MemberChange):
        values.append(change.target)
    return (v for v in values if isinstance(v, Ref))


def keep(
    kinds: Collection[str],
    changes: Mapping[Key, Change],
    member_changes: list[Change],
    unmatched: Collection[Ref],
    problems: list[str],
) -> tuple[dict[Key, Change], list[Change]]:
    """The selected changes; a problem for each one that needs a change the
    selection leaves out. ``unmatched``: manifest entries of unselected kinds
    with no live object (the full plan would create them)."""
    kept = {k: c for k, c in changes.items() if k.kind in kinds}
    kept_members = [c for c in member_changes if c.kind in kinds]
    left = {step_id(c) for c in changes.values() if c.kind not in kinds}
    left |= {step_id(c) for c in member_changes if c.kind not in kinds}
    missing = set(unmatched)
    for change in [*kept.values(), *kept_members]:
        absent = sorted(set(_refs(change)) & missing)
        told = {f"create:{ref.kind}:{ref.name}" for ref in absent}
        for ref in absent:
            problems.append(
                f'{change.label} uses {REGISTRY[ref.kind].title} "{ref.name}", '
                f"which does not exist yet and --kinds leaves {ref.kind} out, so "
                f"this plan would not create it. {_FIX.format(kind=ref.kind)}"
            )
        if isinstance(change, MemberChange):
            for first in change.after:
                if first in left and first not in told:
                    kind = first.split(":")[1]
                    problems.append(
                        f"{change.label} must wait for `{first}`, a change to "
                        f"{kind}, which --kinds leaves out. {_FIX.format(kind=kind)}"
                    )
    return kept, kept_members


def outside(
    kinds: Collection[str], changes: Mapping[Key, Change], problems: list[str]
) -> None:
    """Referrers of unselected kinds that a selected replace would re-point."""
    for key, change in changes.items():
        if key.kind not in kinds:
            problems.append(
                f"{change.label} must be re-pointed to a replacement this plan "
                f"creates, but --kinds leaves {key.kind} out. "
                + _FIX.format(kind=key.kind)
            )
