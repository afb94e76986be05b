"""What a plan must do about objects that point at other objects.

Replacing or deleting a target affects every live referrer (a phone number's
address_sid, say), managed or not: referrers of a replaced target are
re-pointed before the old one goes, deletes that would leave a reference
dangling are refused, and Twilio's one-or-the-other fields are explained.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from twilio_iac.model import Key, Ref, Resource
from twilio_iac.reconcile.plan import Change, Delete, FieldChange, Update
from twilio_iac.resources import REGISTRY

Referrers = list[tuple[Key, Resource | None]]


def _uses(
    changes: Mapping[Key, Change], live: Referrers
) -> Iterator[tuple[Key, Resource, Change | None, str]]:
    """Every (referrer, its change, reference field) not being deleted itself."""
    for key, have in live:
        current = changes.get(key)
        if have is None or isinstance(current, Delete):
            continue
        for name in REGISTRY[key.kind].references:
            yield key, have, current, name


def repoint(
    changes: dict[Key, Change],
    live: Referrers,
    moves: Mapping[Any, Ref],
    ignored: set[Key],
    problems: list[str],
) -> None:
    """Referrers of a replaced (or superseded) target get an update to the new one.

    ``moves`` maps what a referrer holds now (a Ref to a replaced target, or
    the raw SID of an object left by an interrupted replace) to the new target.
    """
    if not moves:
        return
    for key, have, _, name in _uses(changes, live):
        current = changes.get(key)
        value = have.fields.get(name)
        if value not in moves or (current and name in current.send):
            continue
        target = moves[value]
        if key in ignored:
            problems.append(
                f"{REGISTRY[key.kind].title} {key.name} uses {target.kind} "
                f'"{target.name}", which this plan replaces, but an ignore rule '
                "keeps twilio-iac from re-pointing it. Re-point it yourself "
                "first, or narrow the ignore rule."
            )
            continue
        fc = FieldChange(name, value, target, "re-pointed to the replacement")
        changes[key] = _add_field(current, key, have, fc)


def _add_field(
    current: Change | None, key: Key, have: Resource, fc: FieldChange
) -> Change:
    if current is None:
        return Update(key.kind, key.name, have.sid, (fc,), {fc.name: fc.after})
    send = current.send | {fc.name: fc.after}
    return replace(current, fields=current.fields + (fc,), send=send)


def check_dangling(
    changes: Mapping[Key, Change], live: Referrers, problems: list[str]
) -> None:
    """A delete must not leave anything pointing at what it deletes."""
    deleted = {
        Ref(c.kind, c.name): c
        for key, c in changes.items()
        # An object left by an interrupted replace shares its name with the
        # replacement; its referrers hold its raw SID and were re-pointed.
        if isinstance(c, Delete) and key.name == c.name
    }
    if not deleted:
        return
    for key, have, current, name in _uses(changes, live):
        after = have.fields.get(name)
        if current is not None:
            after = current.send.get(name, after)
        if after in deleted:
            title = REGISTRY[after.kind].title
            problems.append(
                f'{title} "{after.name}" would be deleted (prune) but '
                f"{REGISTRY[key.kind].title} {key.name} still uses it ({name}). "
                f"Point it elsewhere in the manifests, or declare the {title} to "
                "keep it."
            )


def _exclusive(kind: str) -> list[tuple[str, str]]:
    """(set, cleared) pairs: fields Twilio deletes when the other is set."""
    return [
        pair
        for rule in REGISTRY[kind].precedence
        if rule.clears
        for other in rule.fields
        for pair in ((rule.winner, other), (other, rule.winner))
    ]


def exclusion_notes(changes: Mapping[Key, Change], live: Referrers) -> list[str]:
    """Explain Twilio clearing a field (trunk_sid, voice_application_sid) when
    the manifests set the other."""
    notes = []
    for key, have in live:
        change = changes.get(key)
        if have is None or not isinstance(change, Update):
            continue
        for setting, cleared in _exclusive(key.kind):
            if (
                change.send.get(setting)
                and have.fields.get(cleared)
                and cleared not in change.send
            ):
                notes.append(
                    f"{key.name}: setting {setting} makes Twilio clear {cleared} "
                    f"({have.fields[cleared]}); Twilio keeps only one of the two."
                )
    return notes
