"""End to end: subaccount targeting with the parent's credentials, ignore rules."""

from __future__ import annotations

from click.testing import CliRunner

from tests.conftest import plan_json
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.cli import cli
from twilio_iac.emulator import SANDBOX_CREDENTIALS

QUEUE = "queues:\n  - friendly_name: sub-queue\n    max_size: 7\n"
# Kinds off the 2010 API, which Twilio (and the sandbox) put in the account
# whose credentials authenticate the request.
ELSEWHERE = """
verify_services:
  - friendly_name: Sub login
messaging_services:
  - friendly_name: Sub alerts
sip_trunks:
  - friendly_name: Sub PBX
"""
NON_2010 = ("verify_services", "messaging_services", "sip_trunks")


def _subaccount(sandbox) -> str:
    """Create a subaccount through the emulator's HTTP API, as Twilio would."""
    emulator = sandbox()
    with TwilioClient(
        Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS), app=emulator
    ) as client:
        made = client.create(
            "core", "/2010-04-01/Accounts.json", {"FriendlyName": "staging"}
        )
    emulator.save()
    return made["sid"]


def _queues(sandbox, account: str) -> list[str]:
    emulator = sandbox()
    with TwilioClient(
        Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS), app=emulator
    ) as client:
        path = f"/2010-04-01/Accounts/{account}/Queues.json"
        return [q["friendly_name"] for q in client.list("core", path, "queues")]


def test_account_sid_flag_targets_a_subaccount(run, write, sandbox):
    sub = _subaccount(sandbox)
    path = write("q.yaml", QUEUE)
    result = run("--account-sid", sub, "apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert f"Account {sub}" in result.stdout
    assert _queues(sandbox, sub) == ["sub-queue"]
    assert _queues(sandbox, sandbox().account_sid) == []
    assert "No changes." in run("--account-sid", sub, "plan", str(path)).stdout


def test_non_2010_kinds_land_in_the_subaccount(run, write, sandbox):
    """The issue's measured defect: with the parent's credentials and
    --account-sid, the Verify service, Messaging Service and trunk must still
    be the subaccount's, and a second plan must see them there."""
    sub = _subaccount(sandbox)
    path = write("s.yaml", ELSEWHERE + QUEUE)
    result = run("--account-sid", sub, "apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.output
    emulator = sandbox()
    owners = {r["account_sid"] for kind in NON_2010 for r in emulator.records(kind)}
    assert owners == {sub}
    assert "No changes." in run("--account-sid", sub, "plan", str(path)).stdout


def test_manifest_account_sid_targets_the_subaccount(run, write, sandbox):
    sub = _subaccount(sandbox)
    path = write("q.yaml", f"account_sid: {sub}\n{QUEUE}")
    plan = plan_json(run, path)
    assert plan["account_sid"] == sub
    assert plan["summary"]["create"] == 1


def test_flag_and_manifest_disagreeing_is_refused(run, write, sandbox):
    sub = _subaccount(sandbox)
    path = write("q.yaml", f"account_sid: {sandbox().account_sid}\n{QUEUE}")
    result = run("--account-sid", sub, "plan", str(path))
    assert result.exit_code == 1
    assert "Nothing was read or changed" in result.stderr


def test_unrelated_account_is_refused(run, write):
    other = "AC" + "9" * 32
    result = run("--account-sid", other, "plan", str(write("q.yaml", QUEUE)))
    assert result.exit_code == 1
    assert f"cannot reach account {other}" in result.stderr


def test_ignore_rules_keep_objects_out_of_diff_and_prune(run, write, sandbox):
    emulator = sandbox()
    emulator.insert("applications", friendly_name="Legacy IVR")
    emulator.insert("applications", friendly_name="stray")
    emulator.save()
    path = write(
        "apps.yaml",
        """
        applications:
          - friendly_name: main
        prune: [applications]
        ignore:
          applications: ["Legacy *"]
        """,
    )
    plan = plan_json(run, path)
    assert [(c["action"], c["name"]) for c in plan["changes"]] == [
        ("create", "main"),
        ("delete", "stray"),
    ]
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    names = {a["friendly_name"] for a in sandbox().records("applications")}
    assert names == {"main", "Legacy IVR"}

    write(
        "apps.yaml",
        """
        applications:
          - friendly_name: Legacy IVR
        ignore:
          applications: ["Legacy *"]
        """,
    )
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert "apps.yaml:2" in result.stderr and "Legacy *" in result.stderr


def test_parent_api_key_for_a_subaccount_is_refused_before_any_request(
    write, monkeypatch
):
    parent, sub = "AC" + "1" * 32, "AC" + "2" * 32
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", parent)
    monkeypatch.setenv("TWILIO_API_KEY", "SK" + "3" * 32)
    monkeypatch.setenv("TWILIO_API_SECRET", "parent-key-secret-value")
    path = write("v.yaml", "verify_services:\n  - friendly_name: login\n")
    # No --sandbox, and the network is closed: an error before any request.
    result = CliRunner().invoke(cli, ["--account-sid", sub, "plan", str(path)])
    assert result.exit_code == 1
    assert f"cannot act on subaccount {sub}" in result.stderr
    assert "TWILIO_IAC_TARGET_API_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_nothing_meant_for_a_subaccount_lands_in_the_parent(run, write, sandbox):
    # The prune case: the parent's own Verify service must be neither
    # seen nor planned for deletion from the subaccount's manifests.
    parent = sandbox().account_sid
    sub = _subaccount(sandbox)
    own = write("p.yaml", "verify_services:\n  - friendly_name: Example login\n")
    assert run("apply", str(own), "--auto-approve").exit_code == 0
    body = "prune: [verify_services]\nverify_services:\n  - friendly_name: login\n"
    path = write("v.yaml", body + QUEUE)
    result = run("--account-sid", sub, "apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Example login" not in result.output
    owners = {
        (r["friendly_name"], r["account_sid"])
        for r in sandbox().records("verify_services")
    }
    assert owners == {("Example login", parent), ("login", sub)}
