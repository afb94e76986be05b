"""End to end: replace ordering, partial failure and recovery, out-of-band changes."""

from __future__ import annotations

from tests.conftest import plan_json
from tests.e2e.test_reconcile import STARTER
from twilio_iac.emulator import Emulator


def test_address_replace_repoints_numbers_before_old_address_goes(run, write, sandbox):
    path = write("twilio.yaml", STARTER)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    old = sandbox().records("addresses")[0]["sid"]

    write("twilio.yaml", STARTER.replace("iso_country: US", "iso_country: CA"))
    plan = plan_json(run, path)
    assert [(c["action"], c["kind"]) for c in plan["changes"]] == [
        ("replace", "addresses"),
        ("update", "phone_numbers"),
    ]
    assert plan["changes"][0]["fields"] == {
        "iso_country": {"before": "US", "after": "CA"}
    }
    assert plan["changes"][1]["fields"] == {"address": {"before": "HQ", "after": "HQ"}}

    result = run("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("✓")]
    assert lines[0].startswith('✓ create replacement for addresses "HQ"')
    assert lines[1].startswith('✓ update phone_numbers "+14155550100"')
    assert lines[2].startswith(f'✓ delete old addresses "HQ" ({old})')

    emulator = sandbox()
    (address,) = emulator.records("addresses")
    assert address["sid"] != old and address["iso_country"] == "CA"
    number = next(
        r
        for r in emulator.records("phone_numbers")
        if r["phone_number"] == "+14155550100"
    )
    assert number["address_sid"] == address["sid"]
    assert "No changes." in run("plan", str(path)).stdout


def test_failed_create_skips_exactly_its_dependents_then_rerun_converges(
    run, write, sandbox
):
    emulator = sandbox()
    emulator.add_fault(
        "POST", r"/Applications\.json$", 400, 21999, "Application quota exceeded"
    )
    emulator.save()
    path = write("twilio.yaml", STARTER)

    failed = run("apply", str(path), "--auto-approve", "--parallelism", "4")
    assert failed.exit_code == 1
    err = failed.stderr
    assert "Apply finished with problems: 3 done, 1 failed, 1 skipped." in err
    failures = err.split("Failed (1):")[1].split("Skipped")[0]
    assert 'create applications "ivr-main"' in failures
    assert "21999" in failures and "Application quota exceeded" in failures
    assert "https://www.twilio.com/docs/errors/21999" in failures
    skipped = err.split("Skipped because a change they need failed (1):")[1]
    assert (
        '- update phone_numbers "+14155550100" '
        '(needs: create applications "ivr-main")' in skipped
    )
    done = err.split("Done (3):")[1].split("Failed")[0]
    for label in ('addresses "HQ"', 'queues "support"', 'verify_services "Example'):
        assert f"✓ create {label}" in done
    assert "Traceback" not in failed.output

    remaining = plan_json(run, path)
    assert [(c["action"], c["kind"]) for c in remaining["changes"]] == [
        ("create", "applications"),
        ("update", "phone_numbers"),
    ]
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    assert "No changes." in run("plan", str(path)).stdout


def test_object_deleted_out_of_band_is_planned_as_create(run, write, sandbox):
    path = write("twilio.yaml", STARTER)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    emulator = sandbox()
    emulator.remove("queues", emulator.records("queues")[0]["sid"])
    emulator.save()
    plan = plan_json(run, path)
    assert [(c["action"], c["kind"], c["name"]) for c in plan["changes"]] == [
        ("create", "queues", "support")
    ]


def test_two_live_objects_with_one_identity_is_an_error_naming_both(
    run, write, sandbox
):
    emulator = sandbox()
    a = emulator.insert("queues", friendly_name="support")["sid"]
    b = emulator.insert("queues", friendly_name="support")["sid"]
    emulator.save()
    path = write("q.yaml", "queues:\n  - friendly_name: support\n")
    result = run("plan", str(path))
    assert result.exit_code == 1
    assert a in result.stderr and b in result.stderr
    assert "sid:" in result.stderr

    write("q.yaml", f"queues:\n  - friendly_name: support\n    sid: {b}\n")
    assert "No changes." in run("plan", str(path)).stdout


def test_sid_pin_turns_a_rename_into_an_update(run, write, sandbox):
    emulator = sandbox()
    sid = emulator.insert("applications", friendly_name="old-name")["sid"]
    emulator.save()
    path = write(
        "a.yaml", f"applications:\n  - friendly_name: new-name\n    sid: {sid}\n"
    )
    plan = plan_json(run, path)
    (change,) = plan["changes"]
    assert change["action"] == "update" and change["sid"] == sid
    assert change["fields"] == {
        "friendly_name": {"before": "old-name", "after": "new-name"}
    }


def test_account_guard_refuses_other_account(run, write):
    other = "AC" + "1" * 32
    path = write("g.yaml", f"account_sid: {other}\nqueues:\n  - friendly_name: q\n")
    result = run("plan", str(path))
    assert result.exit_code == 1
    assert other in result.stderr and "Nothing was read or changed" in result.stderr


def test_manifest_error_exits_1_without_any_request(run, write, state_path):
    path = write(
        "bad.yaml",
        "applications:\n  - friendly_name: x\n    voice_ulr: https://e.com\n",
    )
    result = run("apply", str(path), "--auto-approve")
    assert result.exit_code == 1
    assert "bad.yaml:3" in result.stderr and "did you mean voice_url?" in result.stderr
    assert "Traceback" not in result.output
    assert "nothing was sent to Twilio" in result.stderr
    assert Emulator(state_path=state_path).records("applications") == []


def test_plan_json_stdout_is_clean_with_debug_logs(run, write):
    import json

    path = write("twilio.yaml", STARTER)
    result = run("--debug", "plan", str(path), "--output", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["create"] == 4


def test_same_named_objects_can_each_be_pinned(run, write, sandbox):
    emulator = sandbox()
    a = emulator.insert(
        "applications", friendly_name="twin", voice_url="https://e.com/a"
    )
    b = emulator.insert(
        "applications", friendly_name="twin", voice_url="https://e.com/b"
    )
    emulator.save()
    path = write(
        "twins.yaml",
        f"""
        applications:
          - friendly_name: twin
            sid: {a["sid"]}
            voice_url: https://e.com/a
          - friendly_name: twin
            sid: {b["sid"]}
            voice_url: https://e.com/b2
        """,
    )
    plan = plan_json(run, path)
    (change,) = plan["changes"]
    assert change["sid"] == b["sid"] and change["name"] == f"twin [{b['sid']}]"
    assert change["fields"] == {
        "voice_url": {"before": "https://e.com/b", "after": "https://e.com/b2"}
    }

    write(
        "twins.yaml",
        f"""
        applications:
          - friendly_name: twin
            sid: {a["sid"]}
          - friendly_name: twin
            sid: {b["sid"]}
        phone_numbers:
          - phone_number: "+14155550100"
            voice_application: twin
        """,
    )
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert "twins.yaml:8 phone_numbers[0].voice_application" in result.stderr
    assert "names more than one application" in result.stderr
    assert "voice_application_sid" in result.stderr


def test_interrupted_replace_is_finished_by_the_next_apply(run, write, sandbox):
    path = write("twilio.yaml", STARTER)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    old = sandbox().records("addresses")[0]["sid"]
    emulator = sandbox()
    emulator.add_fault("POST", r"/IncomingPhoneNumbers/PN\w+\.json$", 400, 21999, "No")
    emulator.save()
    write("twilio.yaml", STARTER.replace("iso_country: US", "iso_country: CA"))
    failed = run("apply", str(path), "--auto-approve")
    assert failed.exit_code == 1
    assert '✓ create replacement for addresses "HQ"' in failed.stderr
    assert len(sandbox().records("addresses")) == 2

    plan = plan_json(run, path)
    assert [(c["action"], c["kind"], c["sid"]) for c in plan["changes"]] == [
        ("update", "phone_numbers", plan["changes"][0]["sid"]),
        ("delete", "addresses", old),
    ]
    assert plan["changes"][0]["fields"] == {"address": {"before": old, "after": "HQ"}}
    assert "interrupted replace" in plan["changes"][1]["notes"][0]

    assert run("apply", str(path), "--auto-approve").exit_code == 0
    (address,) = sandbox().records("addresses")
    assert address["iso_country"] == "CA"
    number = next(
        r
        for r in sandbox().records("phone_numbers")
        if r["phone_number"] == "+14155550100"
    )
    assert number["address_sid"] == address["sid"]
    assert "No changes." in run("plan", str(path)).stdout


def test_addresses_are_sent_without_auto_correct_so_they_converge(run, write, sandbox):
    body = STARTER.replace("street: 1 Main St", "street: 375 Beale Street")
    path = write("twilio.yaml", body)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    (address,) = sandbox().records("addresses")
    assert address["street"] == "375 Beale Street"
    assert "No changes." in run("plan", str(path)).stdout

    # Asking for Twilio's auto-correction is allowed; the rewrite then shows.
    corrected = body.replace(
        "iso_country: US", "iso_country: US\n        auto_correct_address: true"
    )
    write(
        "twilio.yaml",
        corrected.replace("street: 375 Beale Street", "street: 1 Beale Street"),
    )
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    assert sandbox().records("addresses")[0]["street"] == "1 Beale St"
    plan = plan_json(run, path)
    assert plan["changes"][0]["fields"] == {
        "street": {"before": "1 Beale St", "after": "1 Beale Street"}
    }
