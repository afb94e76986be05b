"""plan/apply --read-ahead: live state is read while the manifests load.

By default nothing is sent before the manifests are known valid; with the flag
reads may go out first, but a manifest error still stops the run before any
write, and says so truthfully.
"""

from __future__ import annotations

import json

VALID = """
queues:
  - friendly_name: support
    max_size: 40
"""
# Valid YAML whose top-level keys the read-ahead recognises, refused later.
INVALID = """
queues:
  - friendly_name: support
    max_size: "forty"
"""


def test_read_ahead_plans_the_same_as_the_default(run, write) -> None:
    path = write("twilio.yaml", VALID)
    default = json.loads(run("plan", str(path), "--output", "json").stdout)
    ahead = json.loads(
        run("plan", str(path), "--output", "json", "--read-ahead").stdout
    )
    assert ahead["changes"] == default["changes"]
    assert ahead["summary"] == {**default["summary"]}


def test_a_broken_manifest_sends_nothing_by_default(run, write, requests) -> None:
    path = write("twilio.yaml", INVALID)
    result = run("plan", str(path))
    assert result.exit_code == 1
    assert "nothing was sent to Twilio" in result.stderr
    assert requests() == []


def test_with_read_ahead_reads_may_go_out_but_no_write(run, write, requests) -> None:
    path = write("twilio.yaml", INVALID)
    result = run("apply", str(path), "--auto-approve", "--read-ahead")
    assert result.exit_code == 1
    assert "twilio.yaml:3" in result.stderr
    # The error does not claim that nothing was sent: reads were.
    assert "nothing was changed on Twilio" in result.stderr
    # Whether a read got out before the load failed is a race; a write never.
    assert {method for method, _ in requests()} <= {"GET"}


def test_a_saved_plan_refuses_the_flags_that_make_plans(run, write, tmp_path):
    path = write("twilio.yaml", VALID)
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0
    for flag in ("--read-ahead", "--dedupe"):
        result = run("apply", str(saved), "--auto-approve", flag)
        assert result.exit_code == 1
        assert f"Drop {flag}" in result.stderr
        assert "Nothing was sent" in result.stderr
