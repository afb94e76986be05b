"""Renderer golden files: text and JSON for one plan with every kind of change."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from tests.unit.test_planner import ACCOUNT, Desired, Ref, live, sid, want
from twilio_iac.reconcile.plan import Plan
from twilio_iac.reconcile.planner import plan
from twilio_iac.render import text as render

GOLDEN = Path(__file__).parents[1] / "golden"
SCHEMA = Path(__file__).parents[2] / "schemas" / "plan.schema.json"


@pytest.fixture
def mixed() -> Plan:
    wanted = [
        want("applications", "ivr", voice_url="https://example.com/voice"),
        want("addresses", "HQ", iso_country="CA"),
        want("queues", "support", max_size=80),
        want(
            "phone_numbers",
            "+14155550100",
            voice_application_sid=Ref("applications", "ivr"),
            sms_url=None,
        ),
    ]
    lives = {
        "addresses": [live("addresses", "HQ", 1, iso_country="US")],
        "queues": [
            live("queues", "support", 2, max_size=50),
            live("queues", "old", 3, max_size=10),
        ],
        "phone_numbers": [
            live(
                "phone_numbers",
                "+14155550100",
                4,
                address_sid=sid("AD", 1),
                sms_url="https://example.com/sms",
                voice_application_sid=None,
            ),
            live("phone_numbers", "+14155550101", 5),
        ],
    }
    desired = Desired(
        {w.key: w for w in wanted}, None, frozenset({"queues", "phone_numbers"}), (), ()
    )
    return plan(desired, lives, ACCOUNT)


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("TWILIO_IAC_UPDATE_GOLDEN"):
        path.write_text(actual)
    assert actual == path.read_text()


def test_text_golden(mixed):
    _golden("plan.txt", render.text(mixed))


def test_json_golden_and_schema(mixed):
    out = render.as_json(mixed)
    _golden("plan.json", out)
    jsonschema.validate(json.loads(out), json.loads(SCHEMA.read_text()))


def test_no_changes():
    empty = Plan(ACCOUNT, ())
    assert "No changes. Live state matches the manifests." in render.text(empty)
    assert "Plan:" not in render.text(empty)


def test_colour_only_when_asked(mixed):
    assert "\x1b[" not in render.text(mixed, colour=False)
    assert "\x1b[" in render.text(mixed, colour=True)
