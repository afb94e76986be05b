"""Passwords in webhook URLs (`https://user:pass@host/…`, Twilio's basic auth
for webhooks): taken from a `${VAR}` in manifests, masked wherever a plan or an
export shows them, kept out of saved plans, and resolved again by apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

PASSWORD = "hunter2-horse-battery"
SHOWN = "https://bob:***@hooks.example.com/voice"
FULL = f"https://bob:{PASSWORD}@hooks.example.com/voice"
MANIFEST = """
applications:
  - friendly_name: ivr
    voice_url: https://bob:${HOOK_PASSWORD}@hooks.example.com/voice
"""


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_PASSWORD", PASSWORD)


def test_plans_show_the_url_with_its_password_masked(run, write, password):
    path = write("twilio.yaml", MANIFEST)
    for output in ("text", "json", "markdown"):
        result = run("plan", str(path), "--output", output)
        assert result.exit_code in (0, 2), result.output
        assert PASSWORD not in result.output
        assert SHOWN in result.stdout, output


def test_a_saved_plan_keeps_a_placeholder_that_apply_resolves(
    run, write, password, sandbox, tmp_path: Path, monkeypatch
):
    path = write("twilio.yaml", MANIFEST)
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code in (0, 2)
    text = saved.read_text()
    assert PASSWORD not in text
    assert "https://bob:${HOOK_PASSWORD}@hooks.example.com/voice" in text

    monkeypatch.delenv("HOOK_PASSWORD")
    refused = run("apply", str(saved), "--auto-approve")
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "HOOK_PASSWORD" in refused.stderr and "is not set" in refused.stderr
    assert not sandbox().records("applications")

    monkeypatch.setenv("HOOK_PASSWORD", PASSWORD)
    applied = run("apply", str(saved), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert PASSWORD not in applied.output
    (app,) = sandbox().records("applications")
    assert app["voice_url"] == FULL
    # Live and desired compare in full: nothing left to do.
    again = run("plan", str(path))
    assert "No changes." in again.stdout, again.output


def test_export_leaves_a_url_with_a_password_out_and_says_so(
    run, write, password, sandbox, tmp_path: Path
):
    sandbox().insert("applications", friendly_name="ivr", voice_url=FULL)
    out = tmp_path / "exported"
    result = run("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = (out / "applications.yaml").read_text()
    assert PASSWORD not in text
    (entry,) = yaml.safe_load(text)["applications"]
    assert entry["friendly_name"] == "ivr" and "voice_url" not in entry
    assert PASSWORD not in result.output
    wanted = "voice_url: https://bob:${VAR}@hooks.example.com/voice and set VAR"
    assert f"({SHOWN}) holds a password" in result.stderr and wanted in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "https://bob:hunter2@hooks.example.com/voice",
        "https://bob:hunter2${SUFFIX}@hooks.example.com/voice",
    ],
)
def test_a_password_written_in_a_manifest_is_refused(run, write, url, monkeypatch):
    monkeypatch.setenv("SUFFIX", "x")
    path = write(
        "twilio.yaml", f"applications:\n  - friendly_name: ivr\n    voice_url: {url}\n"
    )
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert "hunter2" not in result.output
    assert f"{path}:3" in result.stderr and "${" in result.stderr


def test_a_url_password_in_a_plan_json_is_masked_in_its_data(run, write, password):
    path = write("twilio.yaml", MANIFEST)
    data = json.loads(run("plan", str(path), "--output", "json").stdout)
    assert SHOWN in json.dumps(data)
