"""Buying a number is its own action: reviewers see it like a release."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

SCHEMA = Path(__file__).parents[2] / "schemas" / "plan.schema.json"
BUY = """
phone_numbers:
  - phone_number: "+14155559999"
    purchase: true
    friendly_name: New line
"""


def test_a_purchase_stands_out_in_every_output(run, write):
    path = write("twilio.yaml", BUY)
    text = run("plan", str(path)).stdout
    assert '+$ phone_numbers "+14155559999"  (sid known after apply)' in text
    assert "! this plan buys 1 phone number (+14155559999); each is billed" in text
    assert "Plan: 1 to purchase, 0 to create," in text
    markdown = run("plan", str(path), "--output", "markdown").stdout
    assert "| **purchase** | +14155559999 |" in markdown
    assert "**⚠️ Warning: this plan buys 1 phone number (+14155559999)" in markdown
    data = json.loads(run("plan", str(path), "--output", "json").stdout)
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    assert data["summary"]["purchase"] == 1 and data["summary"]["create"] == 0
    assert [c["action"] for c in data["changes"]] == ["purchase"]


def test_a_saved_purchase_applies_and_converges(run, write, tmp_path, sandbox):
    path = write("twilio.yaml", BUY)
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0
    applied = run("apply", str(saved), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    numbers = [n["phone_number"] for n in sandbox().records("phone_numbers")]
    assert "+14155559999" in numbers
    assert "No changes." in run("plan", str(path)).stdout


def test_a_plan_without_purchases_does_not_mention_them(run, write):
    path = write("twilio.yaml", "queues:\n  - friendly_name: q\n")
    text = run("plan", str(path)).stdout
    assert "purchase" not in text and "buys" not in text
