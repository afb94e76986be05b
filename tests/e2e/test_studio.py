"""Studio flows end to end in the sandbox: validate (file:line), plan with a
structural diff, apply stamped, a second plan with no changes, Console drift."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema

from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN

FLOW = {
    "description": "Main IVR",
    "flags": {"allow_concurrent_calls": True},
    "initial_state": "Trigger",
    "states": [
        {
            "name": "Trigger",
            "type": "trigger",
            "properties": {"offset": {"x": 0, "y": 0}},
            "transitions": [{"event": "incomingCall", "next": "greeting"}],
        },
        {
            "name": "greeting",
            "type": "say-play",
            "properties": {"say": "Hi", "offset": {"x": 10, "y": 200}},
            "transitions": [{"event": "audioComplete"}],
        },
    ],
}
MANIFEST = """
studio_flows:
  - friendly_name: Main IVR
    status: published
    definition_file: flows/main-ivr.json
"""


def _flow(write, definition: dict = FLOW, manifest: str = MANIFEST) -> Path:
    flow = write("flows/main-ivr.json", json.dumps(definition, indent=2))
    assert flow.exists()
    return write("studio.yaml", manifest)


def _apply(run, path: Path, *flags: str) -> None:
    result = run("apply", str(path), "--auto-approve", *flags)
    assert result.exit_code == 0, result.output


def test_apply_then_no_changes(run, write, sandbox):
    path = _flow(write)
    assert run("validate", str(path)).exit_code == 0
    _apply(run, path)
    flows = list(sandbox().store.records("studio_flows").values())
    assert [f["friendly_name"] for f in flows] == ["Main IVR"]
    assert flows[0]["commit_message"].startswith("twilio-iac: plan ")
    again = run("plan", str(path))
    assert "No changes" in again.stdout, again.output


def test_whitespace_and_key_order_are_no_change(run, write):
    path = _flow(write)
    _apply(run, path)
    shuffled = json.loads(json.dumps(FLOW), object_pairs_hook=lambda p: dict(p[::-1]))
    write("flows/main-ivr.json", json.dumps(shuffled, separators=(",", ":")))
    assert "No changes" in run("plan", str(path)).stdout


def test_a_change_is_shown_per_widget_and_property(run, write):
    path = _flow(write)
    _apply(run, path)
    changed = json.loads(json.dumps(FLOW))
    changed["states"][1]["properties"]["say"] = "Hello"
    changed["states"][1]["properties"]["offset"] = {"x": 50, "y": 200}
    write("flows/main-ivr.json", json.dumps(changed, indent=2))
    out = " ".join(run("plan", str(path)).stdout.split())
    assert 'states["greeting"].properties.say: "Hi" → "Hello"' in out, out
    assert "canvas: 1 widget moved (greeting)" in out, out
    assert '"Hi"' in out and "allow_concurrent_calls" not in out
    markdown = run("plan", str(path), "--output", "markdown").stdout
    assert "| update | Main IVR | `definition (greeting, canvas)` |" in markdown


def test_validate_names_the_file_and_line(run, write):
    broken = json.loads(json.dumps(FLOW))
    broken["states"][0]["transitions"][0]["next"] = "nowhere"
    broken["states"][1]["name"] = "Trigger"
    path = _flow(write, broken)
    result = run("validate", str(path))
    assert result.exit_code == 1
    flow_file = str(path.parent / "flows" / "main-ivr.json")
    lines = json.dumps(broken, indent=2).splitlines()
    twice = next(i for i, t in enumerate(lines) if '"name": "Trigger"' in t and i > 8)
    assert f"{flow_file}:{twice + 1} states[1].name: widget name" in result.output
    assert 'next names no widget: "nowhere"' in result.output


def test_flow_references_resolve_per_account(run, write, sandbox):
    sub = {
        "initial_state": "Trigger",
        "states": [{"name": "Trigger", "type": "trigger", "transitions": []}],
    }
    main = json.loads(json.dumps(FLOW))
    main["states"][1] = {
        "name": "greeting",
        "type": "run-subflow",
        "properties": {"flow_sid": {"ref": "flow:Sub"}},
        "transitions": [],
    }
    write("flows/sub.json", json.dumps(sub))
    path = _flow(
        write,
        main,
        MANIFEST
        + "  - friendly_name: Sub\n    status: published\n"
        + "    definition_file: flows/sub.json\n",
    )
    _apply(run, path)
    records = {
        r["friendly_name"]: r for r in sandbox().store.records("studio_flows").values()
    }
    widget = records["Main IVR"]["definition"]["states"][1]
    assert widget["properties"]["flow_sid"] == records["Sub"]["sid"]
    assert "No changes" in run("plan", str(path)).stdout


def test_a_taskrouter_reference_names_a_declared_workspace(run, write):
    main = json.loads(json.dumps(FLOW))
    main["states"][1]["properties"]["workflow"] = {"ref": "workflow:Support/Default"}
    result = run("validate", str(_flow(write, main)))
    assert result.exit_code == 1
    assert "naming a workspace declared in the manifests" in result.output


def test_a_console_edit_needs_force(run, write, sandbox):
    path = _flow(write)
    _apply(run, path)
    app = sandbox()
    flow = next(iter(app.store.records("studio_flows").values()))
    edited = json.loads(json.dumps(FLOW))
    edited["states"][1]["properties"]["say"] = "Console"
    console = httpx.Client(
        transport=httpx.WSGITransport(app=app),
        base_url="https://studio.twilio.com",
        auth=(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN),
    )
    form = {"Status": "draft", "Definition": json.dumps(edited)}
    assert console.post(f"/v2/Flows/{flow['sid']}", data=form).status_code == 200
    app.close()
    out = " ".join(run("plan", str(path)).stdout.split())
    assert "revision 2 was saved outside twilio-iac as a draft" in out, out
    assert 'properties.say: "Console" → "Hi"' in out
    refused = run("apply", str(path), "--auto-approve")
    assert refused.exit_code == 1 and "--force" in refused.output
    _apply(run, path, "--force")
    assert "No changes" in run("plan", str(path)).stdout


NUMBER = """
phone_numbers:
  - phone_number: "+14155550100"
    voice_flow: Main IVR
    sms_flow: Main IVR
"""


def test_a_number_runs_a_flow_by_name(run, write, sandbox):
    path = _flow(write, manifest=MANIFEST + NUMBER)  # the sandbox owns the number
    out = " ".join(run("plan", str(path)).stdout.split())
    assert 'voice_flow: null → "Main IVR" (known after apply)' in out, out
    _apply(run, path)
    app = sandbox()
    (flow,) = app.store.records("studio_flows").values()
    number = next(
        n for n in app.records("phone_numbers") if n["phone_number"] == "+14155550100"
    )
    assert number["voice_url"] == number["sms_url"] == flow["webhook_url"]
    assert "No changes" in run("plan", str(path)).stdout


def test_voice_flow_and_voice_url_are_exclusive(run, write):
    both = NUMBER.replace(
        "    sms_flow: Main IVR\n", "    voice_url: https://example.com/voice\n"
    )
    result = run("validate", str(_flow(write, manifest=MANIFEST + both)))
    assert result.exit_code == 1
    assert "give either voice_flow or voice_url, not both" in result.output


def test_voice_flow_must_name_a_declared_flow(run, write):
    wrong = NUMBER.replace("voice_flow: Main IVR", "voice_flow: Main IRV")
    result = run("validate", str(_flow(write, manifest=MANIFEST + wrong)))
    assert result.exit_code == 1
    assert "no Studio flow named 'Main IRV' is declared" in result.output


def test_plan_reports_twilios_validate_details_per_widget(run, write, sandbox):
    typo = json.loads(json.dumps(FLOW))
    typo["states"][1]["type"] = "say-plya"  # only Twilio knows the widget types
    path = _flow(write, typo)
    assert run("validate", str(path)).exit_code == 0
    result = run("plan", str(path))
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "Studio Validate refuses" in out, out
    assert 'studio_flows "Main IVR": states["greeting"].type: unknown widget' in out
    assert not sandbox().store.records("studio_flows")


def test_a_draft_with_problems_is_a_warning(run, write):
    typo = json.loads(json.dumps(FLOW))
    typo["states"][1]["type"] = "say-plya"
    path = _flow(write, typo, MANIFEST.replace("published", "draft"))
    result = run("plan", str(path))
    assert result.exit_code == 0, result.output
    assert "unknown widget type say-plya" in result.stdout


EXAMPLE = Path(__file__).parents[2] / "examples" / "contact-centre"


def test_export_writes_flow_files_with_references_and_round_trips(
    run, tmp_path: Path
) -> None:
    _apply(run, EXAMPLE)
    out = tmp_path / "exported"
    result = run("export", "--out", str(out), "--kinds", "studio_flows,phone_numbers")
    assert result.exit_code == 0, result.output
    assert f'Wrote {out}/flows/main-ivr.json: definition of Studio flow "Main IVR"' in (
        result.stdout
    )
    main = json.loads((out / "flows" / "main-ivr.json").read_text())
    subflow = next(s for s in main["states"] if s["type"] == "run-subflow")
    assert subflow["properties"]["flow_sid"] == {"ref": "flow:After hours"}
    manifest = (out / "studio_flows.yaml").read_text()
    assert "definition_file: flows/main-ivr.json" in manifest
    assert "voice_flow: Main IVR" in (out / "phone_numbers.yaml").read_text()
    assert "No changes" in run("plan", str(out)).stdout


def test_a_saved_plan_applies_a_definition_with_references(run, write, tmp_path):
    saved = tmp_path / "plan.json"
    planned = run("plan", str(EXAMPLE), "--out", str(saved))
    assert planned.exit_code == 0, planned.output
    applied = run("apply", str(saved), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "No changes" in run("plan", str(EXAMPLE)).stdout


CYCLE = """
studio_flows:
  - friendly_name: A
    status: published
    definition:
      initial_state: Trigger
      states:
        - {name: Trigger, type: trigger, transitions: [{event: incomingCall, next: go}]}
        - {name: go, type: run-subflow, properties: {flow_sid: {ref: "flow:B"}}}
  - friendly_name: B
    status: published
    definition:
      initial_state: Trigger
      states:
        - {name: Trigger, type: trigger, transitions: [{event: incomingCall, next: go}]}
        - {name: go, type: run-subflow, properties: {flow_sid: {ref: "flow:A"}}}
"""


def test_new_flows_naming_each_other_are_refused_at_plan(run, write):
    result = run("plan", str(write("cycle.yaml", CYCLE)))
    assert result.exit_code == 1
    assert "new Studio flows name each other" in result.output
    assert '"A" → "B" → "A"' in result.output or '"B" → "A" → "B"' in result.output


def test_publishing_a_draft_asks_validate_about_the_kept_definition(
    run, write, requests
):
    typo = json.loads(json.dumps(FLOW))
    typo["states"][1]["type"] = "say-plya"
    path = _flow(write, typo, MANIFEST.replace("published", "draft"))
    _apply(run, path)
    write("studio.yaml", MANIFEST)  # the same definition, now published
    result = run("plan", str(path))
    assert result.exit_code == 1
    assert "unknown widget type say-plya" in result.output
    assert ("POST", "/v2/Flows/Validate") in requests()


PLAN_SCHEMA = Path(__file__).parents[2] / "schemas" / "plan.schema.json"


def test_plan_json_fits_the_plan_schema_and_names_the_console_edit(run, write, sandbox):
    path = _flow(write)
    created = json.loads(run("plan", str(path), "--output", "json").stdout)
    jsonschema.validate(created, json.loads(PLAN_SCHEMA.read_text()))
    _apply(run, path)
    app = sandbox()
    (flow,) = app.store.records("studio_flows").values()
    with app.store.transaction():
        app.store.records("studio_flows")[flow["sid"]] = {
            **flow,
            "revision": 7,
            "commit_message": None,
            "definition": {**FLOW, "description": "edited"},
        }
    app.close()
    planned = json.loads(run("plan", str(path), "--output", "json").stdout)
    jsonschema.validate(planned, json.loads(PLAN_SCHEMA.read_text()))
    (change,) = planned["changes"]
    assert change["overwrites"].startswith("revision 7 was saved outside twilio-iac")
    assert change["fields"]["definition"]["after"]["description"] == "Main IVR"


def test_voice_flow_follows_the_precedence_rules(run, write):
    app = "applications:\n  - friendly_name: ivr\n"
    number = NUMBER.replace("    sms_flow: Main IVR\n", "    voice_application: ivr\n")
    result = run("validate", str(_flow(write, manifest=app + MANIFEST + number)))
    assert result.exit_code == 1
    assert "Twilio ignores voice_flow while voice_application is set" in result.output


def test_a_saved_plan_that_overwrites_a_console_edit_needs_force(
    run, write, sandbox, tmp_path
):
    path = _flow(write)
    _apply(run, path)
    app = sandbox()
    (flow,) = app.store.records("studio_flows").values()
    with app.store.transaction():
        app.store.records("studio_flows")[flow["sid"]] = {
            **flow,
            "revision": 2,
            "commit_message": "hotfix",
            "definition": {**FLOW, "description": "edited"},
        }
    app.close()
    saved = tmp_path / "plan.json"
    assert run("plan", str(path), "--out", str(saved)).exit_code == 0
    refused = run("apply", str(saved), "--auto-approve")
    assert refused.exit_code == 1 and "saved outside twilio-iac" in refused.output
    _apply(run, saved, "--force")
    assert "No changes" in run("plan", str(path)).stdout
