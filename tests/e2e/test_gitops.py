"""End to end: saved plans, stale-plan refusal, exit codes, safety threshold."""

from __future__ import annotations

import json

from tests.e2e.test_reconcile import STARTER
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS


def _out_of_band(sandbox, method_path_params):
    """Change the sandbox through its HTTP API, as another tool would."""
    emulator = sandbox()
    with TwilioClient(
        Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS), app=emulator
    ) as client:
        method_path_params(client, emulator.account_sid)
    emulator.save()


def test_saved_plan_applies_exactly_and_converges(run, write, tmp_path, sandbox):
    path = write("twilio.yaml", STARTER)
    saved = tmp_path / "plan.json"
    result = run("plan", str(path), "--out", str(saved))
    assert result.exit_code == 0, result.output
    data = json.loads(saved.read_text())
    assert data["summary"]["create"] == 4
    first = data["apply"]["requests"][0]
    assert first["method"] == "POST" and first["path"].endswith("/Addresses.json")
    assert first["params"]["IsoCountry"] == "US"
    number = next(r for r in data["apply"]["requests"] if "IncomingPhone" in r["path"])
    assert number["params"]["VoiceApplicationSid"] == {
        "$ref": ["applications", "ivr-main"]
    }

    # The manifests change after review: the saved plan, not the manifests, applies.
    write("twilio.yaml", STARTER.replace("max_size: 50", "max_size: 99"))
    applied = run("apply", str(saved), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    (queue,) = sandbox().records("queues")
    assert queue["max_size"] == 50
    write("twilio.yaml", STARTER)
    assert "No changes." in run("plan", str(path)).stdout


def test_apply_of_a_cut_off_plan_says_it_is_damaged(run, write, tmp_path):
    path = write("twilio.yaml", STARTER)
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0
    text = saved.read_text()
    saved.write_text(text[: len(text) // 2])
    result = run("apply", str(saved), "--auto-approve")
    assert result.exit_code == 1
    assert "the saved plan is damaged" in result.stderr
    assert "cannot be read as YAML" not in result.stderr
    # As the message says: the plan can be written again to the same file.
    again = run("plan", str(path), "--out", str(saved))
    assert again.exit_code == 0, again.output
    assert run("apply", str(saved), "--auto-approve").exit_code == 0


def test_stale_plan_is_refused_after_out_of_band_change(run, write, tmp_path, sandbox):
    path = write("twilio.yaml", STARTER)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    write("twilio.yaml", STARTER.replace("max_size: 50", "max_size: 60"))
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0

    def bump(client, account):
        (queue,) = sandbox().records("queues")
        client.update(
            "core",
            f"/2010-04-01/Accounts/{account}/Queues/{queue['sid']}.json",
            {"MaxSize": 70},
        )

    _out_of_band(sandbox, bump)
    result = run("apply", str(saved), "--auto-approve")
    assert result.exit_code == 1
    assert "Stale plan" in result.stderr
    assert 'queues "support" max_size: 50 when planned, 70 now' in result.stderr
    assert sandbox().records("queues")[0]["max_size"] == 70


def test_a_saved_plan_applied_twice_says_already_applied(run, write, tmp_path, sandbox):
    path = write("twilio.yaml", STARTER)
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0
    assert run("apply", str(saved), "--auto-approve").exit_code == 0
    again = run("apply", str(saved), "--auto-approve")  # a CI retry
    assert again.exit_code == 0, again.output
    assert "Already applied" in again.stdout and "nothing was sent" in again.stdout
    assert "Stale plan" not in again.output


def test_a_half_applied_plan_is_still_stale(run, write, tmp_path, sandbox):
    # Only what live state shows done counts: a plan with a change left over
    # (here: the queue put back out of band) is stale, not "already applied".
    path = write("twilio.yaml", STARTER)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    write("twilio.yaml", STARTER.replace("max_size: 50", "max_size: 60"))
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0
    assert run("apply", str(saved), "--auto-approve").exit_code == 0

    def put_back(client, account):
        (queue,) = sandbox().records("queues")
        path = f"/2010-04-01/Accounts/{account}/Queues/{queue['sid']}.json"
        client.update("core", path, {"MaxSize": 55})

    _out_of_band(sandbox, put_back)
    result = run("apply", str(saved), "--auto-approve")
    assert result.exit_code == 1
    assert "Stale plan" in result.stderr and "Already applied" not in result.output


def test_stale_plan_when_a_planned_create_appeared(run, write, tmp_path, sandbox):
    path = write("q.yaml", "queues:\n  - friendly_name: fresh\n    max_size: 10\n")
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0
    emulator = sandbox()
    # Made elsewhere and not as planned (a plan that finds its own result
    # already there is "already applied" instead).
    emulator.insert("queues", friendly_name="fresh", max_size=7)
    emulator.save()
    result = run("apply", str(saved), "--auto-approve")
    assert result.exit_code == 1
    assert 'queues "fresh" now exists' in result.stderr
    assert len(sandbox().records("queues")) == 1


def test_edited_plan_file_is_refused(run, write, tmp_path, sandbox):
    path = write("q.yaml", "queues:\n  - friendly_name: fresh\n    max_size: 10\n")
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0
    saved.write_text(saved.read_text().replace('"MaxSize": 10', '"MaxSize": 4000'))
    result = run("apply", str(saved), "--auto-approve")
    assert result.exit_code == 1
    assert "checksum does not match" in result.stderr
    assert sandbox().records("queues") == []


def test_plan_for_another_account_is_refused(run, write, tmp_path, sandbox):
    path = write("q.yaml", "queues:\n  - friendly_name: fresh\n")
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0
    other = "AC" + "7" * 32
    data = saved.read_text().replace(sandbox().account_sid, other)
    saved.write_text(data)
    result = run("apply", str(saved), "--auto-approve")
    assert result.exit_code == 1
    assert "Nothing was sent" in result.stderr or "Nothing was read" in result.stderr


def test_detailed_exitcode_0_2_1(run, write):
    path = write("twilio.yaml", STARTER)
    assert run("plan", str(path), "--detailed-exitcode").exit_code == 2
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    assert run("plan", str(path), "--detailed-exitcode").exit_code == 0
    bad = write("bad.yaml", "queues:\n  - friendly_name: q\n    max_size: lots\n")
    assert run("plan", str(bad), "--detailed-exitcode").exit_code == 1


def test_threshold_refuses_mass_delete_unless_forced(run, write, sandbox):
    emulator = sandbox()
    for n in range(10):
        emulator.insert("queues", friendly_name=f"q{n}")
    emulator.save()
    keep = "".join(f"  - friendly_name: q{n}\n" for n in range(6))
    path = write("q.yaml", f"queues:\n{keep}prune: [queues]\n")
    planned = run("plan", str(path))
    assert "apply will refuse without --force" in planned.stdout
    refused = run("apply", str(path), "--auto-approve")
    assert refused.exit_code == 1
    assert (
        "queues: 4 of 10 live objects would be deleted or replaced (40%"
        in refused.stderr
    )
    assert "--force" in refused.stderr
    assert len(sandbox().records("queues")) == 10

    forced = run("apply", str(path), "--auto-approve", "--force")
    assert forced.exit_code == 0, forced.output
    assert len(sandbox().records("queues")) == 6


def test_threshold_not_tripped_at_30_percent_or_under_ten(run, write, sandbox):
    emulator = sandbox()
    for n in range(10):
        emulator.insert("queues", friendly_name=f"q{n}")
    emulator.save()
    keep = "".join(f"  - friendly_name: q{n}\n" for n in range(7))
    path = write("q.yaml", f"queues:\n{keep}prune: [queues]\n")
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    assert len(sandbox().records("queues")) == 7


def _rewrite(saved, edit):
    """Edit a plan file and recompute its checksum, as a determined user could."""
    from twilio_iac.reconcile import planfile

    data = json.loads(saved.read_text())
    edit(data)
    public = {k: v for k, v in data.items() if k != "apply"}
    body = {k: v for k, v in data["apply"].items() if k != "checksum"}
    data["apply"]["checksum"] = planfile._checksum(public, body)
    saved.write_text(json.dumps(data))


def test_edited_safety_flags_in_a_plan_file_are_not_trusted(
    run, write, tmp_path, sandbox
):
    path = write(
        "n.yaml",
        'phone_numbers:\n  - phone_number: "+14155550100"\nprune: [phone_numbers]\n',
    )
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0

    def unguard(data):
        for state in data["apply"]["changes"]:
            state["guarded"] = False

    _rewrite(saved, unguard)
    result = run("apply", str(saved), "--auto-approve")
    assert result.exit_code == 1
    assert "--allow-release" in result.stderr
    assert len(sandbox().records("phone_numbers")) == 4


def test_a_number_update_edited_into_a_replace_is_refused(
    run, write, tmp_path, sandbox
):
    """A replace of a number would delete (release) it and buy another; the
    planner never makes one, so a plan file holding one was edited."""
    path = write(
        "n.yaml",
        'phone_numbers:\n  - phone_number: "+14155550101"\n'
        "    friendly_name: renamed\n",
    )
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0

    def into_replace(data):
        data["changes"][0]["action"] = "replace"
        data["summary"] = {"create": 0, "update": 0, "replace": 1, "delete": 0}

    _rewrite(saved, into_replace)
    before = {r["sid"] for r in sandbox().records("phone_numbers")}
    result = run("apply", str(saved), "--auto-approve", "--allow-release")
    assert result.exit_code == 1
    assert "never replaced" in result.stderr
    assert {r["sid"] for r in sandbox().records("phone_numbers")} == before


def test_saved_plan_refuses_a_different_account_sid_flag(run, write, tmp_path, sandbox):
    from tests.e2e.test_accounts import _subaccount

    sub = _subaccount(sandbox)
    path = write("q.yaml", "queues:\n  - friendly_name: fresh\n")
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0
    result = run("--account-sid", sub, "apply", str(saved), "--auto-approve")
    assert result.exit_code == 1
    assert f"made for account {sandbox().account_sid}" in result.stderr
    assert sandbox().records("queues") == []


def test_saved_plan_is_stale_when_a_referenced_target_is_gone(
    run, write, tmp_path, sandbox
):
    path = write(
        "twilio.yaml", STARTER.replace("        voice_application: ivr-main\n", "")
    )
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    write("twilio.yaml", STARTER)
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0
    emulator = sandbox()
    app = emulator.records("applications")[0]["sid"]
    emulator.remove("applications", app)
    emulator.save()
    result = run("apply", str(saved), "--auto-approve")
    assert result.exit_code == 1
    assert f'applications "ivr-main" ({app}) no longer exists' in result.stderr


def test_a_json_manifest_is_not_mistaken_for_a_plan_file(run, write):
    path = write("m.json", '{"queues": [{"friendly_name": "json-queue"}]}')
    result = run("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert 'create queues "json-queue"' in result.stdout


def test_usage_errors_exit_1_not_2(run, write):
    result = run("plan", "--detailed-exitcode", "no-such-dir")
    assert result.exit_code == 1
    bad_flag = run("plan", "--output", "xml", str(write("q.yaml", "queues: []\n")))
    assert bad_flag.exit_code == 1


def test_plan_out_never_overwrites_a_manifest_or_another_file(run, write, tmp_path):
    path = write("q.yaml", "queues:\n  - friendly_name: fresh\n")
    result = run("plan", str(path), "--out", str(path))
    assert result.exit_code == 1
    assert "is one of the manifests being planned" in result.stderr
    assert path.read_text().startswith("queues:")
    notes = tmp_path / "NOTES.md"
    notes.write_text("# mine\n")
    result = run("plan", str(path), "--out", str(notes))
    assert result.exit_code == 1 and "not a plan file" in result.stderr
    assert notes.read_text() == "# mine\n"
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0  # replaced


def test_unwritable_out_path_is_a_clear_error(run, write, tmp_path):
    path = write("q.yaml", "queues:\n  - friendly_name: fresh\n")
    result = run("plan", str(path), "--out", str(tmp_path / "missing" / "p.json"))
    assert result.exit_code == 1
    assert "No such file or directory" in result.stderr
    assert "Unexpected error" not in result.stderr
