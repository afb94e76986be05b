"""End to end through the CLI against the sandbox: apply, converge, change, prune."""

from __future__ import annotations

from tests.conftest import plan_json

STARTER = """
    applications:
      - friendly_name: ivr-main
        voice_url: https://example.com/voice
        voice_method: POST
        sms_url: https://example.com/sms
    queues:
      - friendly_name: support
        max_size: 50
    addresses:
      - friendly_name: HQ
        customer_name: Example Inc
        street: 1 Main St
        city: San Francisco
        region: CA
        postal_code: "94105"
        iso_country: US
    verify_services:
      - friendly_name: Example Login
        code_length: 6
        push:
          include_date: false
    phone_numbers:
      - phone_number: "+14155550100"
        friendly_name: Main line
        voice_application: ivr-main
        sms_application: ivr-main
        address: HQ
"""


def test_apply_from_empty_then_plan_shows_no_changes(run, write, sandbox):
    path = write("twilio.yaml", STARTER)
    result = run("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Plan: 4 to create, 1 to update, 0 to replace, 0 to delete." in result.stdout
    assert "Apply complete" in result.stdout

    again = run("plan", str(path))
    assert again.exit_code == 0, again.output
    assert "No changes. Live state matches the manifests." in again.stdout

    emulator = sandbox()
    number = next(
        r
        for r in emulator.records("phone_numbers")
        if r["phone_number"] == "+14155550100"
    )
    app = next(r for r in emulator.records("applications"))
    assert number["voice_application_sid"] == app["sid"]
    assert number["friendly_name"] == "Main line"


def test_changed_field_is_one_update_with_before_and_after(run, write):
    path = write("twilio.yaml", STARTER)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    write("twilio.yaml", STARTER.replace("max_size: 50", "max_size: 80"))

    plan = plan_json(run, path)
    assert plan["summary"] == {
        "create": 0,
        "purchase": 0,
        "update": 1,
        "replace": 0,
        "delete": 0,
    }
    (change,) = plan["changes"]
    assert change["action"] == "update"
    assert change["kind"] == "queues"
    assert change["name"] == "support"
    assert change["sid"].startswith("QU")
    assert change["fields"] == {"max_size": {"before": 50, "after": 80}}

    assert run("apply", str(path), "--auto-approve").exit_code == 0
    assert "No changes." in run("plan", str(path)).stdout


def test_unmanaged_fields_are_not_diffed_and_null_clears(run, write):
    path = write("twilio.yaml", STARTER)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    cleared = STARTER.replace("sms_url: https://example.com/sms", "sms_url: null")
    write("twilio.yaml", cleared)
    plan = plan_json(run, path)
    (change,) = plan["changes"]
    assert change["fields"] == {
        "sms_url": {"before": "https://example.com/sms", "after": None}
    }
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    assert "No changes." in run("plan", str(path)).stdout


def test_prune_deletes_live_objects_absent_from_manifests(run, write, sandbox):
    path = write("twilio.yaml", STARTER)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    write(
        "twilio.yaml",
        STARTER.replace(
            "      - friendly_name: support\n        max_size: 50\n", ""
        ).replace("queues:\n", "queues: []\n")
        + "    prune: [queues]\n",
    )
    plan = plan_json(run, path)
    assert [(c["action"], c["kind"], c["name"]) for c in plan["changes"]] == [
        ("delete", "queues", "support")
    ]
    result = run("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert sandbox().records("queues") == []
    assert "No changes." in run("plan", str(path)).stdout


def test_objects_absent_from_manifests_are_left_alone_without_prune(
    run, write, sandbox
):
    emulator = sandbox()
    emulator.insert("queues", friendly_name="managed-elsewhere")
    emulator.save()
    path = write("twilio.yaml", STARTER)
    result = run("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "managed-elsewhere" not in result.stdout
    names = {q["friendly_name"] for q in sandbox().records("queues")}
    assert names == {"support", "managed-elsewhere"}


def test_release_without_allow_release_is_refused(run, write, sandbox):
    path = write(
        "twilio.yaml",
        """
        phone_numbers:
          - phone_number: "+14155550100"
        prune: [phone_numbers]
        """,
    )
    result = run("apply", str(path), "--auto-approve")
    assert result.exit_code == 1
    assert '- phone_numbers "+14155550101"' in result.stdout
    assert "--allow-release" in result.stderr
    owned = {r["phone_number"] for r in sandbox().records("phone_numbers")}
    assert "+14155550101" in owned

    released = run("apply", str(path), "--auto-approve", "--allow-release")
    assert released.exit_code == 0, released.output
    owned = {r["phone_number"] for r in sandbox().records("phone_numbers")}
    assert owned == {"+14155550100"}


def test_number_not_owned_is_a_plan_error_and_purchase_buys_it(run, write, sandbox):
    path = write(
        "twilio.yaml",
        """
        phone_numbers:
          - phone_number: "+14155559999"
            friendly_name: New line
        """,
    )
    result = run("plan", str(path))
    assert result.exit_code == 1
    assert "+14155559999 is not owned by this account" in result.stderr
    assert "purchase: true" in result.stderr

    write(
        "twilio.yaml",
        """
        phone_numbers:
          - phone_number: "+14155559999"
            friendly_name: New line
            purchase: true
        """,
    )
    result = run("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "purchase phone_numbers" in result.stdout
    owned = {r["phone_number"] for r in sandbox().records("phone_numbers")}
    assert "+14155559999" in owned
    assert "No changes." in run("plan", str(path)).stdout


def test_apply_without_terminal_and_without_auto_approve_refuses(run, write, sandbox):
    path = write("twilio.yaml", STARTER)
    result = run("apply", str(path))
    assert result.exit_code == 1
    assert "--auto-approve" in result.stderr
    assert sandbox().records("applications") == []


def test_apply_asks_and_only_yes_proceeds(run, write, sandbox, monkeypatch):
    monkeypatch.setattr("twilio_iac.cli.context.stdin_is_terminal", lambda: True)
    path = write("twilio.yaml", STARTER)
    declined = run("apply", str(path), input="y\n")
    assert declined.exit_code == 1
    assert "Cancelled; nothing was changed." in declined.stderr
    assert sandbox().records("applications") == []
    accepted = run("apply", str(path), input="yes\n")
    assert accepted.exit_code == 0, accepted.output
    assert len(sandbox().records("applications")) == 1
