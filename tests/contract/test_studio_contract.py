"""Studio v2 in the emulator: every request and answer fits twilio_studio_v2.json,
and Validate and published saves apply Twilio's rules with 81022 details."""

from __future__ import annotations

import json

from tests.contract.test_emulator_contract import Checked

TRIGGER = {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0}}}
SAY = {"name": "greeting", "type": "say-play", "properties": {"say": "Hi"}}


def _definition(*states: dict, initial: str = "Trigger") -> str:
    return json.dumps({"initial_state": initial, "states": list(states)})


def _flow() -> dict[str, str]:
    trigger = {
        **TRIGGER,
        "transitions": [{"event": "incomingCall", "next": "greeting"}],
    }
    return {
        "FriendlyName": "Main IVR",
        "Status": "published",
        "Definition": _definition(trigger, SAY),
        "CommitMessage": "twilio-iac: first",
    }


def test_flows_crud_and_revisions(studio: Checked) -> None:
    made = studio.send("POST", "/v2/Flows", _flow())
    assert made["revision"] == 1 and made["valid"] is True
    assert made["webhook_url"].endswith(f"/Flows/{made['sid']}")
    assert made["definition"]["states"][1]["properties"]["say"] == "Hi"
    sid = made["sid"]
    (listed,) = studio.send("GET", "/v2/Flows", {"PageSize": "1"})["flows"]
    assert listed["definition"] is None  # as Twilio's list example answers
    studio.send("GET", f"/v2/Flows/{sid}")
    changed = studio.send("POST", f"/v2/Flows/{sid}", {"Status": "draft"})
    assert changed["revision"] == 2 and changed["commit_message"] is None
    listed = studio.send("GET", f"/v2/Flows/{sid}/Revisions")
    assert [r["revision"] for r in listed["revisions"]] == [2, 1]
    first = studio.send("GET", f"/v2/Flows/{sid}/Revisions/1")
    assert first["commit_message"] == "twilio-iac: first"
    published = studio.send("GET", f"/v2/Flows/{sid}/Revisions/LatestPublished")
    assert published["revision"] == 1
    latest = studio.send("GET", f"/v2/Flows/{sid}/Revisions/LatestRevision")
    assert latest["status"] == "draft"
    studio.send("DELETE", f"/v2/Flows/{sid}")


def test_validate_accepts_a_valid_definition(studio: Checked) -> None:
    assert studio.send("POST", "/v2/Flows/Validate", _flow()) == {"valid": True}


def _refused(studio: Checked, path: str, form: dict[str, str]) -> dict:
    response = studio.http.post(path, data=form)
    assert response.status_code == 400, response.text
    return response.json()


def test_validate_lists_each_widgets_problem(studio: Checked) -> None:
    trigger = {**TRIGGER, "transitions": [{"event": "incomingCall", "next": "nope"}]}
    twice = {**SAY, "name": "Trigger"}
    form = {**_flow(), "Definition": _definition(trigger, twice, initial="Start")}
    body = _refused(studio, "/v2/Flows/Validate", form)
    assert body["code"] == 81022
    paths = {e["property_path"]: e["message"] for e in body["details"]["errors"]}
    assert "not unique" in paths["#/states/1/name"]
    assert "nope" in paths["#/states/0/transitions/0/next"]
    assert "Start" in paths["#/initial_state"]


def test_a_published_save_of_an_invalid_definition_is_refused(
    studio: Checked,
) -> None:
    form = {**_flow(), "Definition": _definition(TRIGGER, initial="Missing")}
    assert _refused(studio, "/v2/Flows", form)["code"] == 81022
    draft = studio.send("POST", "/v2/Flows", {**form, "Status": "draft"})
    assert draft["valid"] is False and draft["errors"]
    body = _refused(studio, f"/v2/Flows/{draft['sid']}", {"Status": "published"})
    assert body["details"]["errors"][0]["property_path"] == "#/initial_state"


def test_definition_that_is_not_json_is_81022(studio: Checked) -> None:
    body = _refused(studio, "/v2/Flows/Validate", {**_flow(), "Definition": "{"})
    assert body["code"] == 81022


def test_revisions_of_an_unknown_flow_are_not_found(studio: Checked) -> None:
    response = studio.http.get("/v2/Flows/FW" + "0" * 32 + "/Revisions")
    assert response.status_code == 404
