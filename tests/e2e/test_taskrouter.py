"""TaskRouter workspaces through the CLI: offline checks, names for SIDs,
Twilio's own activities adopted, replaces that keep every reference valid,
configurations compared as data, export, and `emulator serve`."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from tests.conftest import plan_json
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.cli import cli
from twilio_iac.emulator import (
    SANDBOX_ACCOUNT_SID,
    SANDBOX_AUTH_TOKEN,
    SANDBOX_CREDENTIALS,
    Emulator,
)
from twilio_iac.emulator.server import _bind

EXAMPLE = Path(__file__).parents[2] / "examples" / "contact-centre"
PLAN_SCHEMA = Path(__file__).parents[2] / "schemas" / "plan.schema.json"
SUPPORT = """
    taskrouter_workspaces:
      - friendly_name: Support
        timeout_activity: Lunch
        activities:
          - {friendly_name: Offline}
          - {friendly_name: Lunch, available: false}
        task_queues:
          - {friendly_name: Spanish, reservation_activity: Lunch}
          - {friendly_name: Everyone}
        workflows:
          - friendly_name: Default
            configuration:
              task_routing:
                filters:
                  - {expression: 'language == "es"', targets: [{queue: Spanish}]}
                default_filter: {queue: Everyone}
"""


def _ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def _records(sandbox, kind: str, **where: str) -> list[dict]:
    return [
        r
        for r in sandbox().records(kind)
        if all(r.get(k) == v for k, v in where.items())
    ]


def _workspace(sandbox, name: str = "Support") -> dict:
    (found,) = _records(sandbox, "taskrouter_workspaces", friendly_name=name)
    return found


def test_names_that_nothing_declares_are_refused_offline(run, write):
    path = write(
        "t.yaml",
        SUPPORT.replace("timeout_activity: Lunch", "timeout_activity: Nap")
        .replace("reservation_activity: Lunch", "reservation_activity: Nap")
        .replace("{queue: Everyone}", "{queue: Nobody}"),
    )
    result = run("validate", str(path))
    assert result.exit_code == 1
    lines = [line.strip() for line in result.stderr.splitlines()]
    assert any(
        line.startswith(f"- {path}:3 taskrouter_workspaces[0].timeout_activity:")
        and '"Nap"' in line
        for line in lines
    ), result.stderr
    assert any(
        f"{path}:8 taskrouter_workspaces[0].task_queues[0].reservation_activity" in line
        for line in lines
    ), result.stderr
    assert any(
        "workflows[0].configuration.task_routing.default_filter.queue" in line
        and '"Nobody"' in line
        for line in lines
    ), result.stderr


def test_a_missing_configuration_file_is_named_with_its_line(run, write):
    path = write(
        "t.yaml",
        """
        taskrouter_workspaces:
          - friendly_name: Support
            workflows:
              - friendly_name: Default
                configuration_file: routing/none.json
        """,
    )
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert f"{path}:5 taskrouter_workspaces[0].workflows[0].configuration_file" in (
        result.stderr
    )


def test_the_example_applies_once_and_round_trips(run, sandbox, tmp_path):
    folder = tmp_path / "contact-centre"
    shutil.copytree(EXAMPLE, folder)
    for extra in folder.glob("*.yaml"):  # another kind's example lives here too
        if extra.name != "taskrouter.yaml":
            extra.unlink()
    _ok(run("apply", str(folder), "--auto-approve"))
    assert "No changes." in _ok(run("plan", str(folder)))
    workspace = _workspace(sandbox, "Contact Centre")
    activities = _records(
        sandbox, "taskrouter_activities", workspace_sid=workspace["sid"]
    )
    # Twilio's three are adopted, not duplicated.
    assert sorted(a["friendly_name"] for a in activities) == [
        "Available",
        "Lunch",
        "Offline",
        "Unavailable",
        "Wrap up",
    ]
    assert workspace["timeout_activity_name"] == "Unavailable"
    queues = {
        q["friendly_name"]: q["sid"]
        for q in _records(
            sandbox, "taskrouter_task_queues", workspace_sid=workspace["sid"]
        )
    }
    (flow,) = _records(sandbox, "taskrouter_workflows", workspace_sid=workspace["sid"])
    routing = json.loads(flow["configuration"])["task_routing"]
    assert routing["default_filter"]["queue"] == queues["Everyone"]
    assert [t["queue"] for t in routing["filters"][0]["targets"]] == [
        queues["Spanish"],
        queues["Everyone"],
    ]

    out = tmp_path / "exported"
    _ok(run("export", "--kinds", "taskrouter_workspaces", "--out", str(out)))
    text = (out / "taskrouter_workspaces.yaml").read_text()
    assert "queue: Spanish" in text and "WQ" not in text
    assert "No changes." in _ok(run("plan", str(out)))


def test_key_order_and_whitespace_are_never_a_change(run, write, tmp_path):
    document = {
        "task_routing": {
            "filters": [{"expression": "1==1", "targets": [{"queue": "Everyone"}]}],
            "default_filter": {"queue": "Everyone"},
        }
    }
    routing = tmp_path / "manifests" / "routing.json"
    manifest = """
        taskrouter_workspaces:
          - friendly_name: Support
            task_queues: [{friendly_name: Everyone}]
            workflows:
              - {friendly_name: Default, configuration_file: routing.json}
        """
    path = write("t.yaml", manifest)
    routing.write_text(json.dumps(document))
    _ok(run("apply", str(path), "--auto-approve"))
    reordered = {"task_routing": dict(reversed(document["task_routing"].items()))}
    routing.write_text(json.dumps(reordered, indent=7, sort_keys=True))
    assert "No changes." in _ok(run("plan", str(path)))

    document["task_routing"]["filters"][0]["expression"] = "2==2"
    routing.write_text(json.dumps(document))
    saved = tmp_path / "plan.json"
    shown = _ok(run("plan", str(path), "--out", str(saved)))
    assert (
        'workflows["Default"] configuration.task_routing.filters[0].expression: '
        '"1==1" → "2==2"' in shown
    )
    assert "default_filter" not in shown
    _ok(run("apply", str(saved), "--auto-approve"))
    assert "No changes." in _ok(run("plan", str(path)))


def test_replacing_the_timeout_activity_keeps_a_valid_timeout(
    run, write, sandbox, tmp_path
):
    path = write("t.yaml", SUPPORT)
    _ok(run("apply", str(path), "--auto-approve"))
    old = _workspace(sandbox)["timeout_activity_sid"]
    changed = write("t.yaml", SUPPORT.replace("available: false", "available: true"))
    saved = tmp_path / "plan.json"  # the reviewed plan is what apply runs
    shown = _ok(run("plan", str(changed), "--out", str(saved)))
    assert "Twilio cannot change available: replaced by a new activity" in shown
    planned = plan_json(run, changed)
    jsonschema.validate(planned, json.loads(PLAN_SCHEMA.read_text()))
    steps = {(c["action"], c["part"], c["member"]): c for c in planned["changes"]}
    new = steps[("add", "activities", "Lunch")]
    assert "set:taskrouter_workspaces:Support:activities:Lunch" in new["after"]
    old_one = steps[("remove", "activities", "Lunch (replaced)")]
    assert any(
        a.startswith("set:taskrouter_workspaces:Support:defaults")
        for a in old_one["after"]
    )
    out = _ok(run("apply", str(saved), "--auto-approve"))
    assert out.index("defaults") < out.index('activities "Lunch (replaced)"')
    workspace = _workspace(sandbox)
    (lunch,) = _records(sandbox, "taskrouter_activities", friendly_name="Lunch")
    assert lunch["available"] is True and lunch["sid"] != old
    assert workspace["timeout_activity_sid"] == lunch["sid"]
    (spanish,) = _records(sandbox, "taskrouter_task_queues", friendly_name="Spanish")
    assert spanish["reservation_activity_sid"] == lunch["sid"]
    assert not _records(sandbox, "taskrouter_activities", sid=old)
    assert "No changes." in _ok(run("plan", str(changed)))


def test_a_queue_goes_after_the_workflow_moves_off_it(run, write, sandbox):
    path = write("t.yaml", SUPPORT)
    _ok(run("apply", str(path), "--auto-approve"))
    moved = SUPPORT.replace(
        "targets: [{queue: Spanish}]", "targets: [{queue: Everyone}]"
    )
    moved = moved.replace(
        "- {friendly_name: Spanish, reservation_activity: Lunch}\n", ""
    )
    out = _ok(run("apply", str(write("t.yaml", moved)), "--auto-approve"))
    assert out.index('set taskrouter_workspaces "Support" workflows "Default"') < (
        out.index('remove taskrouter_workspaces "Support" task_queues "Spanish"')
    )
    assert not _records(sandbox, "taskrouter_task_queues", friendly_name="Spanish")


def test_twilios_own_activities_stay_unless_pruned_by_name(run, write, sandbox):
    path = write("t.yaml", SUPPORT)
    _ok(run("apply", str(path), "--auto-approve"))
    assert "No changes." in _ok(run("plan", str(path)))
    pruned = write("t.yaml", SUPPORT + "prune: [taskrouter_workspaces.activities]\n")
    shown = _ok(run("plan", str(pruned)))
    assert 'activities:  − "Available"  − "Unavailable"' in shown
    _ok(run("apply", str(pruned), "--auto-approve"))
    names = {a["friendly_name"] for a in _records(sandbox, "taskrouter_activities")}
    assert names == {"Offline", "Lunch"}


@pytest.fixture
def served() -> Iterator[tuple[str, Emulator]]:
    emulator = Emulator()
    server = _bind("127.0.0.1", 0, emulator)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", emulator
    server.shutdown()
    server.server_close()


def _env(base: str) -> dict[str, str]:
    return {
        "TWILIO_ACCOUNT_SID": SANDBOX_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": SANDBOX_AUTH_TOKEN,
        "TWILIO_API_BASE_URL": base,
        "TWILIO_TASKROUTER_BASE_URL": base,
    }


def test_plan_and_apply_through_emulator_serve(served, write):
    base, emulator = served
    path = write("t.yaml", SUPPORT)
    runner = CliRunner()
    _ok(runner.invoke(cli, ["apply", str(path), "--auto-approve"], env=_env(base)))
    assert "No changes." in _ok(runner.invoke(cli, ["plan", str(path)], env=_env(base)))
    (workspace,) = emulator.records("taskrouter_workspaces")
    assert workspace["account_sid"] == SANDBOX_ACCOUNT_SID


def test_a_subaccount_workspace_lands_in_the_subaccount_only(served, write):
    base, emulator = served
    settings = Settings.from_env(_env(base))
    with TwilioClient(settings) as client:
        sub = client.create(
            "core", "/2010-04-01/Accounts.json", {"FriendlyName": "staging"}
        )["sid"]
    path = write("t.yaml", SUPPORT)
    runner = CliRunner()
    args = ["--account-sid", sub, "apply", str(path), "--auto-approve"]
    _ok(runner.invoke(cli, args, env=_env(base)))
    owners = {w["account_sid"] for w in emulator.records("taskrouter_workspaces")}
    assert owners == {sub}  # nothing landed in the parent


def test_a_child_listed_twice_is_refused(run, write):
    path = write(
        "t.yaml", SUPPORT.replace("{friendly_name: Offline}", "{friendly_name: Lunch}")
    )
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert (
        f'{path}:6 taskrouter_workspaces[0].activities[1]: friendly_name "Lunch" is '
        "listed twice in activities" in result.stderr
    )


def test_two_live_queues_with_one_name_are_not_guessed_between(run, write, sandbox):
    path = write("t.yaml", SUPPORT)
    _ok(run("apply", str(path), "--auto-approve"))
    emulator = sandbox()
    workspace = _workspace(sandbox)["sid"]
    with TwilioClient(
        Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS), app=emulator
    ) as client:
        client.create(
            "taskrouter",
            f"/v1/Workspaces/{workspace}/TaskQueues",
            {"FriendlyName": "Spanish"},
        )
    emulator.save()
    result = run("plan", str(path))
    assert result.exit_code == 1
    assert 'task_queues: Twilio holds two or more of "Spanish"' in result.stderr
    out = write("exported/.keep", "")
    exported = run(
        "export", "--kinds", "taskrouter_workspaces", "--out", str(out.parent)
    )
    assert 'task_queues: two or more share "Spanish"' in exported.output


def test_a_name_in_a_part_left_out_must_be_live(run, write):
    path = write(
        "t.yaml",
        """
        taskrouter_workspaces:
          - friendly_name: Support
            default_activity: Nap
        """,
    )
    assert run("validate", str(path)).exit_code == 0  # activities unmanaged here
    result = run("plan", str(path))
    assert result.exit_code == 1
    assert 'default_activity: names "Nap", which is not among the live activities' in (
        result.stderr
    )
    ok = write(
        "t.yaml",
        "taskrouter_workspaces:\n"
        "  - {friendly_name: Support, default_activity: Available}\n",
    )
    _ok(run("apply", str(ok), "--auto-approve"))
    assert "No changes." in _ok(run("plan", str(ok)))


def test_a_pinned_part_is_renamed_not_recreated(run, write, sandbox):
    path = write("t.yaml", SUPPORT)
    _ok(run("apply", str(path), "--auto-approve"))
    (lunch,) = _records(sandbox, "taskrouter_activities", friendly_name="Lunch")
    (voice,) = _records(sandbox, "taskrouter_task_channels", unique_name="voice")
    renamed = (
        SUPPORT.replace(
            "{friendly_name: Lunch, available: false}",
            f"{{friendly_name: Break, available: false, sid: {lunch['sid']}}}",
        )
        .replace("Lunch", "Break")
        .replace(
            "        task_queues:",
            "        task_channels:\n"
            "          - {unique_name: phone, friendly_name: Phone, "
            f"sid: {voice['sid']}}}\n"
            "        task_queues:",
        )
    )
    changed = write("t.yaml", renamed)
    planned = plan_json(run, changed)
    steps = {(c["action"], c["part"], c["member"]) for c in planned["changes"]}
    assert ("set", "activities", "Break") in steps
    assert not {s for s in steps if s[1] == "activities" and s[0] != "set"}
    # A channel's unique_name is fixed: the pinned one is replaced.
    assert {
        ("add", "task_channels", "phone"),
        ("remove", "task_channels", "voice"),
    } <= (steps)
    _ok(run("apply", str(changed), "--auto-approve"))
    (brk,) = _records(sandbox, "taskrouter_activities", friendly_name="Break")
    assert brk["sid"] == lunch["sid"]
    assert _workspace(sandbox)["timeout_activity_name"] == "Break"
    assert "No changes." in _ok(
        run("plan", str(write("t.yaml", renamed.replace(f", sid: {voice['sid']}", ""))))
    )


def test_a_pin_to_nothing_live_stops_the_plan(run, write):
    path = write("t.yaml", SUPPORT)
    _ok(run("apply", str(path), "--auto-approve"))
    stray = "WA" + "0" * 32
    pinned = SUPPORT.replace(
        "{friendly_name: Offline}", f"{{friendly_name: Offline, sid: {stray}}}"
    )
    result = run("plan", str(write("t.yaml", pinned)))
    assert result.exit_code == 1
    assert f'activities "Offline": sid {stray} is not a live activity' in result.stderr


def test_an_unknown_queue_in_a_configuration_file_names_that_files_line(
    run, write, tmp_path
):
    path = write(
        "t.yaml",
        """
        taskrouter_workspaces:
          - friendly_name: Support
            task_queues: [{friendly_name: Everyone}]
            workflows:
              - {friendly_name: Default, configuration_file: routing.json}
        """,
    )
    routing = tmp_path / "manifests" / "routing.json"
    routing.write_text(
        '{\n  "task_routing": {\n    "filters": [],\n'
        '    "default_filter": {"queue": "Nobody"}\n  }\n}\n'
    )
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert (
        f"{routing}:4 taskrouter_workspaces[0].workflows[0].configuration."
        'task_routing.default_filter.queue: names "Nobody"' in result.stderr
    )


def test_a_pinned_workspace_is_renamed_in_place(run, write, sandbox):
    path = write("t.yaml", SUPPORT)
    _ok(run("apply", str(path), "--auto-approve"))
    sid = _workspace(sandbox)["sid"]
    pinned = SUPPORT.replace(
        "friendly_name: Support\n", f"friendly_name: Help desk\n        sid: {sid}\n"
    )
    shown = _ok(run("plan", str(write("t.yaml", pinned))))
    assert 'friendly_name:  "Support" → "Help desk"' in shown
    _ok(run("apply", str(write("t.yaml", pinned)), "--auto-approve"))
    assert _workspace(sandbox, "Help desk")["sid"] == sid


def test_template_fifo_parts_show_on_the_next_plan(run, write):
    manifest = """
        taskrouter_workspaces:
          - friendly_name: Sample
            template: FIFO
            task_queues: []
        """
    path = write("t.yaml", manifest)
    _ok(run("apply", str(path), "--auto-approve"))
    shown = _ok(run("plan", str(path)))
    assert 'task_queues:  − "Sample Queue"' in shown


def test_a_pinned_rename_into_a_name_another_frees(run, write, sandbox):
    """Busy (pinned) takes the name Lunch, whose activity goes: the old Lunch
    goes first, the queue naming Busy follows it under its new name."""
    first = SUPPORT.replace(
        "- {friendly_name: Offline}",
        "- {friendly_name: Offline}\n          - {friendly_name: Busy}",
    ).replace("reservation_activity: Lunch", "reservation_activity: Busy")
    _ok(run("apply", str(write("t.yaml", first)), "--auto-approve"))
    (busy,) = _records(sandbox, "taskrouter_activities", friendly_name="Busy")
    second = SUPPORT.replace(
        "timeout_activity: Lunch", "timeout_activity: Offline"
    ).replace(
        "{friendly_name: Lunch, available: false}",
        f"{{friendly_name: Lunch, sid: {busy['sid']}}}",
    )
    path = write("t.yaml", second)
    _ok(run("apply", str(path), "--auto-approve"))
    (lunch,) = _records(sandbox, "taskrouter_activities", friendly_name="Lunch")
    assert lunch["sid"] == busy["sid"]
    (spanish,) = _records(sandbox, "taskrouter_task_queues", friendly_name="Spanish")
    assert spanish["reservation_activity_sid"] == busy["sid"]
    assert "No changes." in _ok(run("plan", str(path)))


def test_the_contact_centre_chain_applies_in_one_run(run, sandbox):
    """examples/contact-centre from an empty account: a number → a flow → a
    workflow → its queues, the flow naming a workflow and a task channel of a
    workspace this same apply creates (the channel is one Twilio makes)."""
    example = Path(__file__).parents[2] / "examples" / "contact-centre"
    applied = run("apply", str(example), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "No changes." in run("plan", str(example)).stdout
    emulator = sandbox()
    (workflow,) = [
        w
        for w in emulator.records("taskrouter_workflows")
        if w["friendly_name"] == "Support"
    ]
    (flow,) = [
        f for f in emulator.records("studio_flows") if f["friendly_name"] == "Main IVR"
    ]
    definition = flow["definition"]
    if isinstance(definition, str):
        definition = json.loads(definition)
    (agent,) = [s for s in definition["states"] if s["name"] == "to-agent"]
    assert agent["properties"]["workflow"] == workflow["sid"]
    assert agent["properties"]["channel"].startswith("TC")
