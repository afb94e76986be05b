"""A rename that would make a second object: say so, with the pin that fixes it.

Identity is the friendly_name, so changing it in a manifest plans a create,
and leaves the old object live (or deletes it, with prune). When exactly one
undeclared live object of the kind has every other field the new entry sets,
the create gets a note naming it and the `sid:` pin that turns the plan into
an update in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Key, Ref, Resource
from twilio_iac.reconcile.matching import Matched
from twilio_iac.reconcile.plan import Change, Create, Purchase
from twilio_iac.resources import REGISTRY


def hinted(
    changes: Mapping[Key, Change], desired: Desired, found: Matched
) -> dict[Key, Change]:
    """``changes`` with a note on each create that looks like a rename."""
    sids = {ref: sid for sid, ref in found.refs.items()}
    result = dict(changes)
    for key, change in changes.items():
        if type(change) is not Create or isinstance(change, Purchase):
            continue
        candidates = [
            old
            for old in found.leftovers.get(key.kind, [])
            if old.sid and _same_but_name(change, old, sids)
        ]
        if len(candidates) == 1:
            note = _note(candidates[0], desired.resources.get(key))
            result[key] = replace(change, notes=(*change.notes, note))
    return result


def _same_but_name(change: Create, old: Resource, sids: Mapping[Ref, str]) -> bool:
    identity = REGISTRY[change.kind].identity
    compared = [fc for fc in change.fields if fc.name != identity]
    # An entry that sets nothing but its name would match any object.
    if not compared:
        return False
    return all(_value(fc.after, sids) == old.fields.get(fc.name) for fc in compared)


def _value(after: Any, sids: Mapping[Ref, str]) -> Any:
    return sids.get(after, after) if isinstance(after, Ref) else after


def _note(old: Resource, entry: Resource | None) -> str:
    where = f" ({entry.location})" if entry is not None and entry.location else ""
    return (
        f'looks like a rename of "{old.name}" ({old.sid}), which has every other '
        f"field this entry sets: to rename it in place instead of creating a "
        f"second one, add `sid: {old.sid}` to the entry{where}"
    )
