"""plan/apply --kinds: a partial plan that reads and changes only some kinds."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.e2e.test_pools import TWO, _pool
from tests.e2e.test_reconcile import STARTER

PLAN_SCHEMA = Path(__file__).parents[2] / "schemas" / "plan.schema.json"


def _reads(log: list[tuple[str, str]]) -> set[str]:
    """The collections a run listed: /…/Queues.json → Queues."""
    return {path.rsplit("/", 1)[-1].split(".")[0] for m, path in log if m == "GET"}


def test_selection_reads_and_plans_only_its_kinds(run, write, requests):
    path = write("twilio.yaml", STARTER)
    full = run("plan", str(path))
    assert full.exit_code == 0, full.output
    everything = list(requests())

    partial = run("plan", str(path), "--kinds", "queues", "--output", "json")
    assert partial.exit_code == 0, partial.output
    selected = requests()[len(everything) :]
    assert 0 < len(selected) < len(everything)
    assert _reads(selected) == {"Queues"}
    assert {"Queues", "Applications", "IncomingPhoneNumbers"} <= _reads(everything)

    ahead = len(requests())
    early = run("plan", str(path), "--kinds", "queues", "--read-ahead")
    assert early.exit_code == 0, early.output
    assert _reads(requests()[ahead:]) == {"Queues"}

    plan = json.loads(partial.stdout)
    jsonschema.validate(plan, json.loads(PLAN_SCHEMA.read_text()))
    assert plan["kinds"] == ["queues"]
    assert [(c["action"], c["kind"]) for c in plan["changes"]] == [("create", "queues")]
    assert "kinds" not in json.loads(run("plan", str(path), "--output", "json").stdout)


def test_header_says_the_plan_is_partial(run, write):
    path = write("twilio.yaml", STARTER)
    text = run("plan", str(path), "--kinds", "verify_services,queues")
    assert text.exit_code == 0, text.output
    header = text.stdout.splitlines()[1]
    assert header.startswith("Partial plan (--kinds): only queues, verify_services")
    markdown = run("plan", str(path), "--kinds", "queues", "--output", "markdown")
    assert markdown.stdout.startswith("### Partial plan (queues): 1 to create")
    assert "> **Partial plan (--kinds): only queues;" in markdown.stdout
    assert "Partial plan" not in run("plan", str(path)).stdout


def test_apply_leaves_unselected_kinds_untouched(run, write, sandbox):
    path = write("twilio.yaml", STARTER)
    result = run("apply", str(path), "--kinds", "queues", "--auto-approve")
    assert result.exit_code == 0, result.output
    emulator = sandbox()
    assert [q["friendly_name"] for q in emulator.records("queues")] == ["support"]
    assert emulator.records("applications") == []
    assert emulator.records("addresses") == []

    # The rest follows when selected; a reference to an object of an
    # unselected kind that exists resolves against live state by name.
    both = run(
        "apply", str(path), "--kinds", "applications,addresses", "--auto-approve"
    )
    assert both.exit_code == 0, both.output
    numbers = run("apply", str(path), "--kinds", "phone_numbers", "--auto-approve")
    assert numbers.exit_code == 0, numbers.output
    assert "Plan: 0 to create, 1 to update" in numbers.stdout
    app = sandbox().records("applications")[0]
    number = next(
        r
        for r in sandbox().records("phone_numbers")
        if r["phone_number"] == "+14155550100"
    )
    assert number["voice_application_sid"] == app["sid"]
    rest = run("plan", str(path), "--output", "json")
    assert [(c["action"], c["kind"]) for c in json.loads(rest.stdout)["changes"]] == [
        ("create", "verify_services")
    ]


def test_reference_to_an_unselected_object_not_yet_created_is_refused(
    run, write, sandbox, requests
):
    path = write("twilio.yaml", STARTER)
    result = run("apply", str(path), "--kinds", "phone_numbers", "--auto-approve")
    assert result.exit_code == 1
    assert 'application "ivr-main", which does not exist yet' in result.stderr
    assert "Add applications to --kinds, or drop --kinds" in result.stderr
    assert [m for m, _ in requests()] == ["GET"] * len(requests())
    assert sandbox().records("applications") == []


def test_changes_to_unselected_kinds_are_not_planned(run, write, sandbox):
    path = write("twilio.yaml", STARTER)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    changed = STARTER.replace("max_size: 50", "max_size: 80").replace(
        "https://example.com/voice", "https://example.com/voice2"
    )
    write("twilio.yaml", changed)
    result = run("apply", str(path), "--kinds", "applications", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Plan: 0 to create, 1 to update" in result.stdout
    emulator = sandbox()
    assert emulator.records("queues")[0]["max_size"] == 50
    assert emulator.records("applications")[0]["voice_url"].endswith("voice2")


def test_prune_applies_only_within_the_selection(run, write, sandbox):
    emulator = sandbox()
    emulator.insert("queues", friendly_name="stray-queue")
    emulator.insert("applications", friendly_name="stray-app")
    emulator.save()
    path = write(
        "twilio.yaml",
        """
        queues:
          - friendly_name: support
        applications:
          - friendly_name: ivr-main
        prune: [queues, applications]
        """,
    )
    full = json.loads(run("plan", str(path), "--output", "json").stdout)
    assert {(c["action"], c["name"]) for c in full["changes"]} >= {
        ("delete", "stray-queue"),
        ("delete", "stray-app"),
    }
    result = run("apply", str(path), "--kinds", "queues", "--auto-approve")
    assert result.exit_code == 0, result.output
    emulator = sandbox()
    assert {q["friendly_name"] for q in emulator.records("queues")} == {"support"}
    apps = {a["friendly_name"] for a in emulator.records("applications")}
    assert apps == {"stray-app"}


def test_saved_plan_keeps_its_selection(run, write, sandbox, tmp_path):
    path = write("twilio.yaml", STARTER)
    out = tmp_path / "plan.json"
    made = run("plan", str(path), "--kinds", "queues", "--out", str(out))
    assert made.exit_code == 0, made.output
    saved = json.loads(out.read_text())
    assert saved["kinds"] == ["queues"]

    other = run("apply", str(out), "--kinds", "applications", "--auto-approve")
    assert other.exit_code == 1
    assert "was planned for queues" in other.stderr
    assert sandbox().records("queues") == []

    result = run("apply", str(out), "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "Partial plan (--kinds): only queues" in result.stdout
    emulator = sandbox()
    assert [q["friendly_name"] for q in emulator.records("queues")] == ["support"]
    assert emulator.records("applications") == []


def test_unknown_kind_gets_a_suggestion(run, write):
    path = write("twilio.yaml", STARTER)
    for verb in ("plan", "apply"):
        result = run(verb, str(path), "--kinds", "queues,aplications")
        assert result.exit_code == 1
        assert "unknown kind aplications; did you mean applications?" in result.output


def test_pool_member_bought_by_an_unselected_kind_is_refused(run, write, sandbox):
    path = write(
        "twilio.yaml",
        """
        phone_numbers:
          - phone_number: "+14155550123"
            purchase: true
          - phone_number: "+14155550101"
        messaging_services:
          - friendly_name: Alerts
            senders:
              phone_numbers: ["+14155550123", "+14155550101"]
        """,
    )
    result = run("plan", str(path), "--kinds", "messaging_services")
    assert result.exit_code == 1
    assert 'uses phone number "+14155550123", which does not exist yet' in (
        result.stderr
    )
    assert result.stderr.count("Add phone_numbers to --kinds") == 1

    write(
        "twilio.yaml",
        path.read_text()
        .replace('"+14155550123", ', "")
        .replace('  - phone_number: "+14155550123"\n    purchase: true\n', ""),
    )
    done = run("apply", str(path), "--kinds", "messaging_services", "--auto-approve")
    assert done.exit_code == 0, done.output
    assert _pool(sandbox, "Alerts") == ["+14155550101"]


def test_selecting_every_kind_in_play_plans_what_the_whole_plan_does(run, write):
    path = write("twilio.yaml", TWO)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    # 101 leaves the manifests: pruned, it first leaves the Alerts pool.
    write(
        "twilio.yaml",
        TWO.replace('      - phone_number: "+14155550101"\n', "")
        .replace("        friendly_name: Alerts line\n", "")
        .replace(', "+14155550101"', "")
        + "    prune: [phone_numbers]\n",
    )
    whole = json.loads(run("plan", str(path), "--output", "json").stdout)
    assert ("remove", "messaging_services") in {
        (c["action"], c["kind"]) for c in whole["changes"]
    }
    chosen = run(
        "plan",
        str(path),
        "--output",
        "json",
        "--kinds",
        "phone_numbers,messaging_services",
    )
    assert chosen.exit_code == 0, chosen.output
    assert json.loads(chosen.stdout)["changes"] == whole["changes"]

    numbers = json.loads(
        run("plan", str(path), "--output", "json", "--kinds", "phone_numbers").stdout
    )
    # Without messaging_services, its pool is neither read nor changed.
    assert numbers["changes"] == [
        c for c in whole["changes"] if c["kind"] == "phone_numbers"
    ]
