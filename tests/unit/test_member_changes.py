"""Member changes planned in memory: steps, dependencies, moves, purchases
and saved plans, without the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from twilio_iac.errors import PlanError
from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Ref, Resource
from twilio_iac.reconcile import graph, planfile
from twilio_iac.reconcile.applier import requests
from twilio_iac.reconcile.plan import AddMember, Plan, RemoveMember
from twilio_iac.reconcile.planner import plan

ACCOUNT = "AC" + "5a4db0c0" * 4
PN1, PN2 = "PN" + "1" * 32, "PN" + "2" * 32
MG1 = "MG" + "a" * 32


def _number(n: str, sid: str) -> Resource:
    return Resource("phone_numbers", n, {"phone_number": n}, sid=sid)


def _service(name: str, sid: str | None = None, **pools: dict) -> Resource:
    fields = {"friendly_name": name} | {f"senders.{k}": v for k, v in pools.items()}
    return Resource("messaging_services", name, fields, sid=sid, location="m.yaml:1")


def _plan(wanted: list[Resource], lives: list[Resource], prune=()):
    by_kind: dict[str, list[Resource]] = {"phone_numbers": [], "messaging_services": []}
    for r in lives:
        by_kind.setdefault(r.kind, []).append(r)
    desired = Desired({r.key: r for r in wanted}, None, frozenset(prune), (), ())
    return plan(desired, by_kind, ACCOUNT)


def _needs(result: Plan) -> dict[str, set[str]]:
    """Step label → the labels of the steps apply makes it wait for."""
    built = graph.build(result)
    return {
        step.label: {built.steps[i].label for i in needs}
        for step, needs in zip(built.steps, built.needs, strict=True)
    }


NUMBERS = [_number("+14155550100", PN1), _number("+14155550101", PN2)]


def test_a_new_service_is_created_before_its_members_join() -> None:
    wanted = _service("Alerts", phone_numbers={"+14155550100": "Support line"})
    result = _plan([wanted], NUMBERS)
    create, add = result.changes
    assert isinstance(add, AddMember) and add.target == PN1 and add.sid is None
    assert _needs(result) == {
        'create messaging_services "Alerts"': set(),
        'add messaging_services "Alerts" senders.phone_numbers "Support line"': {
            'create messaging_services "Alerts"'
        },
    }
    (call,) = [r for r in requests(result) if r["step"].startswith("add")]
    assert call["path"] == "/v1/Services/{messaging_services:Alerts}/PhoneNumbers"
    assert call["params"] == {"PhoneNumberSid": PN1}


def test_a_bought_number_joins_after_its_purchase() -> None:
    bought = Resource(
        "phone_numbers",
        "+14155559999",
        {"phone_number": "+14155559999"},
        location="m.yaml:2",
        purchase=True,
    )
    wanted = _service("Alerts", MG1, phone_numbers={"+14155559999": "+14155559999"})
    live_service = _service("Alerts", MG1, phone_numbers={})
    result = _plan([bought, wanted], [*NUMBERS, live_service])
    (add,) = [c for c in result.changes if isinstance(c, AddMember)]
    assert add.target == Ref("phone_numbers", "+14155559999")
    assert add.after == ("create:phone_numbers:+14155559999",)
    assert _needs(result)[f"add {add.label}"] == {
        'purchase phone_numbers "+14155559999"'
    }


def test_a_pruned_service_loses_its_members_first() -> None:
    live_service = _service("Old", MG1, phone_numbers={"+14155550100": PN1})
    result = _plan([], [*NUMBERS, live_service], prune=["messaging_services"])
    remove, delete = result.changes
    assert isinstance(remove, RemoveMember) and remove.target == PN1
    assert _needs(result)[f'delete messaging_services "Old" ({MG1})'] == {
        'remove messaging_services "Old" senders.phone_numbers "+14155550100"'
    }


def test_a_saved_plan_keeps_member_changes_exactly(tmp_path: Path) -> None:
    wanted = [
        _service("A", MG1, phone_numbers={}),
        _service("B", phone_numbers={"+14155550100": "Support line"}),
    ]
    live_service = _service("A", MG1, phone_numbers={"+14155550100": PN1})
    result = _plan(wanted, [*NUMBERS, live_service])
    path = tmp_path / "plan.json"
    path.write_text(planfile.dumps(result, ["m.yaml"]))
    loaded = planfile.load(path)
    assert loaded.changes == result.changes
    assert [c.__dict__ for c in loaded.changes] == [c.__dict__ for c in result.changes]
    data = json.loads(path.read_text())
    moved = [c["moved"] for c in data["changes"] if c["action"] in ("add", "remove")]
    assert moved == ["B", "A"]


def _refusal(wanted: list[Resource], lives: list[Resource], prune=()) -> str:
    with pytest.raises(PlanError) as caught:
        _plan(wanted, lives, prune)
    return str(caught.value)


def test_a_pool_member_the_account_does_not_own_is_refused_by_name() -> None:
    wanted = _service("Alerts", MG1, phone_numbers={"+14155550199": "Night line"})
    text = _refusal([wanted], [*NUMBERS, _service("Alerts", MG1, phone_numbers={})])
    assert 'm.yaml:1 messaging_services "Alerts" senders.phone_numbers: ' in text
    assert "Night line is not a phone number of this account" in text


def test_a_pool_member_the_plan_releases_is_refused_by_name() -> None:
    wanted = _service("Alerts", MG1, phone_numbers={"+14155550100": "Support line"})
    lives = [*NUMBERS, _service("Alerts", MG1, phone_numbers={})]
    text = _refusal([wanted], lives, prune=("phone_numbers",))
    assert "Support line is in the pool, but this plan releases it (prune)" in text
    assert "not a phone number of this account" not in text
