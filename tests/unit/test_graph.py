"""The apply graph: which step waits for which."""

from __future__ import annotations

from dataclasses import dataclass

from twilio_iac.model import Ref
from twilio_iac.reconcile import graph
from twilio_iac.reconcile.plan import Create, Delete, FieldChange, Plan, Replace, Update

APP = Ref("applications", "new-app")
HQ = Ref("addresses", "HQ")


def _plan() -> Plan:
    voice = FieldChange("voice_application_sid", Ref("applications", "old"), APP)
    moved = FieldChange("address_sid", HQ, HQ, "re-pointed to the replacement")
    return Plan(
        "AC1",
        (
            Create("applications", "new-app", None),
            Replace(
                "addresses", "HQ", "ADold", (FieldChange("iso_country", "US", "CA"),)
            ),
            Update("phone_numbers", "+1", "PN1", (voice,), {voice.name: APP}),
            Update("phone_numbers", "+2", "PN2", (moved,), {moved.name: HQ}),
            Update(
                "phone_numbers",
                "+3",
                "PN3",
                (FieldChange("friendly_name", "a", "b"),),
                {"friendly_name": "b"},
            ),
            Delete("applications", "old", "APold"),
        ),
    )


def test_each_step_waits_only_for_what_it_needs() -> None:
    g = graph.build(_plan())
    labels = [s.label for s in g.steps]
    needs = {
        labels[i]: sorted(labels[n] for n in g.needs[i]) for i in range(len(labels))
    }
    assert needs == {
        'create applications "new-app"': [],
        'create replacement for addresses "HQ"': [],
        # The create of what it references.
        'update phone_numbers "+1"': ['create applications "new-app"'],
        'update phone_numbers "+2"': ['create replacement for addresses "HQ"'],
        # Independent: runs at once.
        'update phone_numbers "+3"': [],
        # Re-points before the deletes of what they pointed at; the new
        # address before the old one goes.
        'delete applications "old" (APold)': ['update phone_numbers "+1"'],
        'delete old addresses "HQ" (ADold)': [
            'create replacement for addresses "HQ"',
            'update phone_numbers "+2"',
        ],
    }


def test_deletes_run_in_reverse_dependency_order() -> None:
    plan = Plan(
        "AC1",
        (
            Delete("addresses", "HQ", "AD1"),
            Delete("phone_numbers", "+1", "PN1", guarded=True),
        ),
    )
    g = graph.build(plan)
    labels = [s.label for s in g.steps]
    assert labels == ['release phone_numbers "+1" (PN1)', 'delete addresses "HQ" (AD1)']
    assert g.needs[1] == frozenset({0}) and g.needs[0] == frozenset()


@dataclass(frozen=True)
class _MemberChange(Update):
    """A stand-in for a change to what an owner holds (a pool member): it
    names the steps it must follow and has a step id of its own."""

    part: str = "senders"
    target: object = None
    after: tuple[str, ...] = ()

    @property
    def step_id(self) -> str:
        return f"{self.action}:{self.kind}:{self.name}:{self.part}:{self.target}"


def test_changes_naming_steps_in_after_wait_for_them() -> None:
    leave = _MemberChange("applications", "old", None, target="PN1")
    join = _MemberChange(
        "applications",
        "new-app",
        None,
        target="PN1",
        after=("create:applications:new-app", leave.step_id),
    )
    plan = Plan(
        "AC1",
        (
            Create("applications", "new-app", None),
            leave,
            join,
            Delete("applications", "old", "APold"),
        ),
    )
    g = graph.build(plan)
    assert g.needs[2] == frozenset({0, 1})  # the owner's create, then the leave
    # The old owner goes after its member left (the join does not concern it).
    assert g.needs[3] == frozenset({1})
