"""A plan: the ordered changes that make live state match the manifests.

Changes are small frozen values (like octoDNS's record changes). The planner
builds them already in execution order; the plan knows its counts, its JSON
form, and when it is unsafe to apply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from twilio_iac.errors import UnsafePlan
from twilio_iac.model import Ref, Resource, ignored
from twilio_iac.resources import REGISTRY

FORMAT_VERSION = 1
# octoDNS's defaults: refuse when deletes + replaces pass 30% of a kind that
# has at least 10 live objects, unless --force.
THRESHOLD = 0.30
THRESHOLD_MIN = 10


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: Any
    after: Any
    note: str | None = None  # why this field is in the plan, when not obvious

    def label(self, kind: str) -> str:
        """The name shown to people and in JSON: a reference by name appears
        under its manifest alias (`voice_application`), as it was written."""
        field = REGISTRY[kind].by_name.get(self.name)
        by_name = isinstance(self.before, Ref) or isinstance(self.after, Ref)
        return field.alias if field and field.alias and by_name else self.name


@dataclass(frozen=True)
class Change:
    action: ClassVar[str] = ""
    symbol: ClassVar[str] = ""

    kind: str
    name: str
    sid: str | None
    fields: tuple[FieldChange, ...] = ()
    # field name → desired value to send: the changed fields plus write-only
    # ones (Twilio never returns those, so they cannot be diffed).
    send: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f'{self.kind} "{self.name}"'

    @property
    def data(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "kind": self.kind,
            "name": self.name,
            "sid": self.sid,
            "fields": {
                fc.label(self.kind): {
                    "before": _json(fc.before),
                    "after": _json(fc.after),
                }
                for fc in self.fields
            },
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Create(Change):
    action: ClassVar[str] = "create"
    symbol: ClassVar[str] = "+"
    purchase: bool = False  # a phone number bought from Twilio


@dataclass(frozen=True)
class Purchase(Create):
    """Buying a phone number: a create that costs money every month, so it is
    an action of its own wherever a plan is shown, never an ordinary create."""

    action: ClassVar[str] = "purchase"
    symbol: ClassVar[str] = "+$"
    purchase: bool = True


@dataclass(frozen=True)
class Update(Change):
    action: ClassVar[str] = "update"
    symbol: ClassVar[str] = "~"
    # What the update would overwrite that was saved outside twilio-iac (a
    # flow edited in the Console): apply refuses without --force.
    overwrites: str | None = None

    @property
    def data(self) -> dict[str, Any]:
        extra = {"overwrites": self.overwrites} if self.overwrites else {}
        return super().data | extra


@dataclass(frozen=True)
class Replace(Change):
    """Create the new object, re-point referrers, then delete the old one."""

    action: ClassVar[str] = "replace"
    symbol: ClassVar[str] = "-/+"


@dataclass(frozen=True)
class Delete(Change):
    action: ClassVar[str] = "delete"
    symbol: ClassVar[str] = "-"
    guarded: bool = False  # releases a phone number: needs --allow-release


@dataclass(frozen=True)
class MemberChange(Change):
    """A change to one member of an owner's parts (resources/pools.py): a pool
    member joining or leaving, a nested child added, set or removed, or the
    settings at a sub-path (``member`` empty). Its own step, after the steps
    named in ``after``. The actions ("add", "remove", "set") are the plan
    JSON's, as before the rename."""

    part: str = ""  # "senders.phone_numbers", "origination_urls", "recording"
    member: str = ""  # as the manifest writes it: "Support line", "primary"
    key: str = ""  # what identifies it live: E.164, sender ID, identity
    # AddMember to a pool: the member's SID (a Ref when bought in this run);
    # RemoveMember and SetMember: the record's SID, or the sub-path for settings.
    target: Any = None
    after: tuple[str, ...] = ()  # step ids that must run first
    moved: str | None = None  # the other owner when a member changes pools

    @property
    def step_id(self) -> str:
        return f"{self.action}:{self.kind}:{self.name}:{self.part}:{self.key}"

    @property
    def label(self) -> str:
        what = f" {json.dumps(self.member, ensure_ascii=False)}" if self.member else ""
        return f'{self.kind} "{self.name}" {self.part}{what}'

    @property
    def data(self) -> dict[str, Any]:
        return super().data | {
            "part": self.part,
            "member": self.member or None,
            "moved": self.moved,
            "after": list(self.after),
        }

    def moving(self, other: str, first: str | None = None) -> MemberChange:
        after = self.after + ((first,) if first else ())
        return replace(self, moved=other, after=after)


@dataclass(frozen=True)
class AddMember(MemberChange):
    action: ClassVar[str] = "add"
    symbol: ClassVar[str] = "+"


@dataclass(frozen=True)
class RemoveMember(MemberChange):
    action: ClassVar[str] = "remove"
    symbol: ClassVar[str] = "−"


@dataclass(frozen=True)
class SetMember(MemberChange):
    action: ClassVar[str] = "set"
    symbol: ClassVar[str] = "~"


ACTIONS = ("create", "purchase", "update", "replace", "delete")
MEMBER_ACTIONS = ("add", "remove", "set")


def step_id(change: Change) -> str:
    """What ``MemberChange.after`` names: ``create:sip_trunks:PBX`` for an
    owner."""
    if isinstance(change, MemberChange):
        return change.step_id
    return f"{change.action}:{change.kind}:{change.name}"


@dataclass(frozen=True)
class Plan:
    account_sid: str
    changes: tuple[Change, ...]
    warnings: tuple[str, ...] = ()
    # SIDs of the live objects references may name, for the applier.
    sids: dict[Ref, str] = field(default_factory=dict, compare=False, hash=False)
    # What the plan was computed against: live fields by SID of every object a
    # change touches (a saved plan refuses to apply when they moved), and how
    # many live objects each kind had (for the too-much-change threshold).
    observed: dict[str, dict[str, Any]] = field(
        default_factory=dict, compare=False, hash=False
    )
    live_counts: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    # The manifests' ignore rules: objects they match are not counted above.
    ignore: dict[str, tuple[str, ...]] = field(
        default_factory=dict, compare=False, hash=False
    )
    # `--kinds`: the only kinds this plan changes (None: the whole account).
    kinds: tuple[str, ...] | None = None

    @property
    def scope(self) -> str | None:
        """How a partial plan says so, for every renderer; None when whole."""
        if self.kinds is None:
            return None
        return (
            f"Partial plan (--kinds): only {', '.join(self.kinds) or 'no kinds'}; "
            "other kinds were not planned and may differ from the manifests."
        )

    def count_managed(self, live: Mapping[str, list[Resource]]) -> dict[str, int]:
        return count_managed(self.ignore, live)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for change in self.changes:
            if change.action in counts:
                counts[change.action] += 1
        return counts

    @property
    def member_counts(self) -> dict[str, int]:
        """Pool members and nested objects to add, remove and set."""
        counts = dict.fromkeys(MEMBER_ACTIONS, 0)
        for change in self.changes:
            if isinstance(change, MemberChange):
                counts[change.action] += 1
        return counts

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def purchases(self) -> list[Change]:
        """Phone numbers this plan buys."""
        return [c for c in self.changes if isinstance(c, Purchase)]

    @property
    def releases(self) -> list[Change]:
        """Changes that give up a phone number: a guarded delete, and (only
        ever from an edited plan file) a replace of a guarded kind, whose
        delete of the old object is a release too."""
        return [
            c
            for c in self.changes
            if (isinstance(c, Delete) and c.guarded)
            or (isinstance(c, Replace) and REGISTRY[c.kind].guard_delete)
        ]

    @property
    def data(self) -> dict[str, Any]:
        summary: dict[str, Any] = dict(self.counts)
        if any(self.member_counts.values()):
            # The wire name predates "pools"; plan.schema.json and saved
            # plans keep it.
            summary["held"] = self.member_counts
        data: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "account_sid": self.account_sid,
        }
        if self.kinds is not None:
            data["kinds"] = list(self.kinds)
        return data | {
            "summary": summary,
            "changes": [change.data for change in self.changes],
            "warnings": list(self.warnings),
        }

    def too_much_change(self) -> list[str]:
        return too_much_change(self.changes, self.live_counts)

    @property
    def overwrites(self) -> list[Update]:
        return [c for c in self.changes if isinstance(c, Update) and c.overwrites]

    def raise_if_unsafe(self, allow_release: bool, force: bool = False) -> None:
        if self.overwrites and not force:
            raise UnsafePlan(
                "Refusing to apply: this plan overwrites changes saved outside "
                "twilio-iac (in the Console). Nothing was changed. Copy them into "
                "the manifests (twilio-iac export shows them), or rerun apply with "
                "--force to replace them.",
                [f"{c.label}: {c.overwrites}" for c in self.overwrites],
            )
        too_much = [] if force else self.too_much_change()
        releases = [] if allow_release else [c.name for c in self.releases]
        if too_much:
            raise UnsafePlan(
                "Refusing to apply: this plan changes more than the safety "
                "threshold allows, which usually means a manifest went missing or "
                "a prune rule is too wide. Nothing was changed. If the plan above "
                "is what you want, rerun apply with --force"
                + (" and --allow-release." if releases else "."),
                too_much,
            )
        if releases:
            raise UnsafePlan(
                f"Refusing to apply: this plan releases {len(releases)} phone "
                "number(s), and a released number may never come back. Nothing was "
                "changed. If releasing them is intended, run apply again with "
                "--allow-release; otherwise declare them in the manifests or remove "
                "phone_numbers from `prune`.",
                [f"release {n}" for n in releases],
            )


def count_managed(
    ignore: Mapping[str, tuple[str, ...]], live: Mapping[str, list[Resource]]
) -> dict[str, int]:
    """Live objects per kind that no ignore rule hands to someone else, and
    live members per pool (``messaging_services.senders.phone_numbers``)."""
    counts = {
        kind: sum(1 for r in items if not ignored(ignore, kind, r.name))
        if ignore.get(kind)
        else len(items)  # glob matching only where a rule exists
        for kind, items in live.items()
    }
    for kind, items in live.items():
        for name in REGISTRY[kind].parts_by_name:
            counts[f"{kind}.{name}"] = sum(
                len(r.fields.get(name) or {})
                for r in items
                if not ignored(ignore, kind, r.name)
            )
    return counts


def too_much_change(
    changes: tuple[Change, ...], live_counts: Mapping[str, int]
) -> list[str]:
    """Kinds where deletes plus replaces exceed the safety threshold."""
    reasons = []
    for kind, total in sorted(live_counts.items()):
        # A pool member leaving counts like a delete (``kind.part`` totals).
        risky = sum(
            1
            for c in changes
            if (c.kind == kind and isinstance(c, (Delete, Replace)))
            or (isinstance(c, RemoveMember) and f"{c.kind}.{c.part}" == kind)
        )
        if "." in kind:
            what = "members would be removed"
        else:
            what = "live objects would be deleted or replaced"
        if total >= THRESHOLD_MIN and risky / total > THRESHOLD:
            reasons.append(
                f"{kind}: {risky} of {total} {what} "
                f"({risky / total:.0%}; the limit is {THRESHOLD:.0%})"
            )
    return reasons


def _json(value: Any) -> Any:
    if isinstance(value, Ref):
        return value.name
    if isinstance(value, dict):  # a flow's definition, with its references
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json(item) for item in value]
    return value
