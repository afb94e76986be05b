"""The applier's skip rule, as a property: over random plans and random
failures, a step is skipped exactly when something it really needs failed or
was skipped. "Really needs" is worked out here from the plan's references
alone, independently of graph.py: a write needs the create of what it sends a
reference to; a delete needs the replacement's create, every write that moves
a reference away from the object, and the deletes of objects pointing at it.
"""

from __future__ import annotations

import random

import pytest

from twilio_iac.model import Ref
from twilio_iac.reconcile import graph
from twilio_iac.reconcile.executor import Executor, Status
from twilio_iac.reconcile.graph import Step
from twilio_iac.reconcile.plan import (
    Change,
    Create,
    Delete,
    FieldChange,
    Plan,
    Replace,
    Update,
)

SEEDS = range(300)


class Failed(Exception):
    pass


def _plan(rng: random.Random) -> Plan:
    """Applications and addresses created, replaced, renamed or deleted, and
    numbers re-pointed, created or deleted among them."""
    changes: list[Change] = []
    apps: list[Ref] = []  # what a number may point at after the plan
    gone: list[tuple[Ref, str]] = []  # what numbers may point at before it
    for n in range(rng.randint(1, 6)):
        app = Ref("applications", f"app{n}")
        roll = rng.random()
        if roll < 0.4:
            changes.append(Create(app.kind, app.name, None))
            apps.append(app)
            if rng.random() < 0.5:  # a rename: the old one goes
                old = Ref(app.kind, f"old{n}")
                changes.append(Delete(old.kind, old.name, f"APold{n}"))
                gone.append((old, f"APold{n}"))
        elif roll < 0.6:
            fc = FieldChange("voice_url", "https://a", "https://b")
            changes.append(Replace(app.kind, app.name, f"APr{n}", (fc,)))
            apps.append(app)
            gone.append((app, f"APr{n}"))
        elif roll < 0.8:
            apps.append(app)  # unchanged
        else:
            changes.append(Delete(app.kind, app.name, f"AP{n}"))
            gone.append((app, f"AP{n}"))
    for n in range(rng.randint(0, 8)):
        number, sid = f"+1415555{n:04d}", f"PN{n}"
        old = rng.choice(gone)[0] if gone and rng.random() < 0.7 else None
        new = rng.choice(apps) if apps else None
        field = "voice_application_sid"
        if old is not None and (new is None or rng.random() < 0.2):
            fields = (FieldChange(field, old, None),)
            changes.append(Delete("phone_numbers", number, sid, fields))
        elif new is not None and rng.random() < 0.3:
            fc = FieldChange(field, None, new)
            changes.append(Create("phone_numbers", number, None, (fc,), {field: new}))
        elif new is not None and (old is not None or rng.random() < 0.5):
            fc = FieldChange(field, old, new)
            changes.append(Update("phone_numbers", number, sid, (fc,), {field: new}))
    # Numbers may also hold a raw SID of what they point at.
    return Plan("AC1", tuple(changes))


def _real_needs(steps: list[Step]) -> list[set[int]]:
    creates = {
        Ref(s.change.kind, s.change.name): s.index
        for s in steps
        if s.phase == "write" and isinstance(s.change, (Create, Replace))
    }
    needs: list[set[int]] = [set() for _ in steps]
    for s in steps:
        change = s.change
        if s.phase == "write":
            needs[s.index] |= {creates[v] for v in change.send.values() if v in creates}
            continue
        me = Ref(change.kind, change.name)
        if isinstance(change, Replace):
            needs[s.index].add(creates[me])
        for other in steps:
            if other.index != s.index and any(
                fc.before == me for fc in other.change.fields
            ):
                # A write moving away from it, or a delete of what points at it.
                needs[s.index].add(other.index)
    return needs


def _run(plan: Plan, failing: set[int]) -> list[Status]:
    def run(step: Step) -> None:
        if step.index in failing:
            raise Failed(step.label)

    g = graph.build(plan)
    outcomes = Executor(g, run, workers=4).run()
    return [o.status for o in outcomes]


@pytest.mark.parametrize("chunk", range(3))
def test_no_step_is_skipped_without_a_failed_ancestor(chunk: int) -> None:
    for seed in SEEDS[chunk::3]:
        rng = random.Random(seed)
        plan = _plan(rng)
        steps = graph.ordered_steps(plan)
        failing = {s.index for s in steps if rng.random() < 0.25}
        statuses = _run(plan, failing)
        needs = _real_needs(steps)
        blocked = [False] * len(steps)
        # Plan order is a topological order of the real needs (checked below),
        # so one pass works out who is blocked.
        for s in steps:
            assert all(n < s.index for n in needs[s.index]), (seed, s.label)
            blocked[s.index] = any(n in failing or blocked[n] for n in needs[s.index])
        for s in steps:
            want = (
                Status.FAILED
                if s.index in failing and not blocked[s.index]
                else Status.SKIPPED
                if blocked[s.index]
                else Status.DONE
            )
            assert statuses[s.index] is want, (seed, s.label, plan.changes)


def test_every_real_need_is_an_edge_of_the_graph() -> None:
    """Ordering stays safe: what a step really needs runs before it."""
    for seed in SEEDS:
        plan = _plan(random.Random(seed))
        g = graph.build(plan)
        for index, needs in enumerate(_real_needs(list(g.steps))):
            assert needs <= g.needs[index], (seed, g.steps[index].label)
