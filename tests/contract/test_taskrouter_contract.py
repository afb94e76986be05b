"""TaskRouter v1: every answer the emulator gives validates against Twilio's
description, and Twilio's rules for workspaces and their parts hold."""

from __future__ import annotations

import json

import pytest

from tests.contract.test_emulator_contract import Checked
from tests.contract.test_pool_contract import _refused
from tests.contract.wire import Recorder, Sent, request_problems, response_problems
from tests.replay import flow
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS, Emulator

W = "/v1/Workspaces"
FIRST = """
taskrouter_workspaces:
  - friendly_name: Support
    event_callback_url: https://hooks.example.com/taskrouter
    prioritize_queue_order: LIFO
    timeout_activity: Lunch
    activities:
      - {friendly_name: Offline}
      - {friendly_name: Lunch}
    task_channels:
      - {unique_name: voice, friendly_name: Voice calls}
      - {unique_name: fax, friendly_name: Fax, channel_optimized_routing: true}
    task_queues:
      - {friendly_name: Spanish, reservation_activity: Lunch, max_reserved_workers: 2}
      - {friendly_name: Everyone, assignment_activity: Lunch}
    workflows:
      - friendly_name: Default
        task_reservation_timeout: 60
        assignment_callback_url: https://hooks.example.com/assign
        configuration:
          task_routing:
            filters: [{expression: "1==1", targets: [{queue: Spanish}]}]
            default_filter: {queue: Spanish}
"""
# Lunch replaced (available: Everyone re-pointed), fax renamed, the workflow
# moved off Spanish, which is removed.
SECOND = (
    FIRST.replace("{friendly_name: Lunch}", "{friendly_name: Lunch, available: true}")
    .replace("friendly_name: Fax,", "friendly_name: Faxes,")
    .replace(
        "      - {friendly_name: Spanish, reservation_activity: Lunch, "
        "max_reserved_workers: 2}\n",
        "",
    )
    .replace("queue: Spanish", "queue: Everyone")
)
STEPS = [
    FIRST,
    SECOND,
    SECOND + "prune: [taskrouter_workspaces.activities]\n",
    "taskrouter_workspaces: []\nprune: [taskrouter_workspaces]\n",
]


@pytest.fixture(scope="module")
def sent() -> list[Sent]:
    recorder = Recorder(Emulator())
    settings = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
    with TwilioClient(settings, app=recorder) as client:
        for text in STEPS:
            flow.apply(client, text)
            assert flow.plan(client, text).changes == (), text
    return recorder.sent


def test_every_request_the_tool_sends_is_allowed_by_the_spec(sent: list[Sent]) -> None:
    assert request_problems(sent) == {}
    assert all(s.status < 300 for s in sent), [s for s in sent if s.status >= 300]


def test_every_answer_to_the_tool_matches_the_spec(sent: list[Sent]) -> None:
    assert response_problems(sent) == {}


def test_the_flows_use_every_operation(sent: list[Sent]) -> None:
    shapes = {
        (
            s.method,
            "/".join(
                "*" if p[:2].isupper() and len(p) == 34 else p
                for p in s.path.split("/")
            ),
        )
        for s in sent
    }
    assert {("POST", W), ("POST", f"{W}/*"), ("DELETE", f"{W}/*")} <= shapes
    for part in ("Activities", "TaskChannels", "TaskQueues", "Workflows"):
        assert ("GET", f"{W}/*/{part}") in shapes, part
        assert ("POST", f"{W}/*/{part}/*") in shapes, part
    for part in ("Activities", "TaskChannels", "TaskQueues"):
        assert ("POST", f"{W}/*/{part}") in shapes, part
    for part in ("Activities", "TaskQueues"):
        assert ("DELETE", f"{W}/*/{part}/*") in shapes, part


def _workspace(tr: Checked, **more: str) -> tuple[str, dict[str, dict]]:
    """A new workspace's SID and its activities by friendly_name."""
    sid = tr.send("POST", W, {"FriendlyName": "Support", **more})["sid"]
    listed = tr.send("GET", f"{W}/{sid}/Activities")["activities"]
    return sid, {a["friendly_name"]: a for a in listed}


def _routing(*queues: str) -> str:
    filters = [
        {"filter_friendly_name": q, "expression": "1==1", "targets": [{"queue": q}]}
        for q in queues
    ]
    return json.dumps(
        {"task_routing": {"filters": filters, "default_filter": {"queue": queues[0]}}}
    )


def test_a_new_workspace_holds_what_twilio_creates(taskrouter: Checked) -> None:
    sid, activities = _workspace(taskrouter)
    assert {n: a["available"] for n, a in activities.items()} == {
        "Offline": False,
        "Available": True,
        "Unavailable": False,
    }
    workspace = taskrouter.send("GET", f"{W}/{sid}")
    assert workspace["default_activity_name"] == "Offline"
    assert workspace["timeout_activity_sid"] == activities["Offline"]["sid"]
    assert workspace["multi_task_enabled"] is True
    channels = taskrouter.send("GET", f"{W}/{sid}/TaskChannels")["channels"]
    assert {c["channel_optimized_routing"] for c in channels} == {False}
    assert [c["unique_name"] for c in channels] == [
        "default",
        "voice",
        "chat",
        "sms",
        "video",
        "email",
    ]
    assert taskrouter.send("GET", f"{W}/{sid}/TaskQueues")["task_queues"] == []
    taskrouter.send("GET", W, {"FriendlyName": "Support"})


def test_template_fifo_adds_a_queue_and_a_workflow(taskrouter: Checked) -> None:
    sid, _ = _workspace(taskrouter, Template="FIFO")
    queue = taskrouter.send("GET", f"{W}/{sid}/TaskQueues")["task_queues"][0]
    flow = taskrouter.send("GET", f"{W}/{sid}/Workflows")["workflows"][0]
    assert json.loads(flow["configuration"])["task_routing"]["default_filter"] == {
        "queue": queue["sid"]
    }


def test_crud_of_every_part(taskrouter: Checked) -> None:
    sid, activities = _workspace(taskrouter)
    base = f"{W}/{sid}"
    lunch = taskrouter.send("POST", f"{base}/Activities", {"FriendlyName": "Lunch"})
    assert lunch["available"] is False
    listed = taskrouter.send("GET", f"{base}/Activities", {"Available": "true"})
    assert [a["friendly_name"] for a in listed["activities"]] == ["Available"]
    taskrouter.send(
        "POST", f"{base}/Activities/{lunch['sid']}", {"FriendlyName": "Break"}
    )
    channel = taskrouter.send(
        "POST", f"{base}/TaskChannels", {"FriendlyName": "Fax", "UniqueName": "fax"}
    )
    taskrouter.send(
        "POST",
        f"{base}/TaskChannels/{channel['sid']}",
        {"ChannelOptimizedRouting": "true"},
    )
    queue = taskrouter.send(
        "POST",
        f"{base}/TaskQueues",
        {
            "FriendlyName": "Spanish",
            "TargetWorkers": 'languages HAS "es"',
            "ReservationActivitySid": lunch["sid"],
        },
    )
    assert queue["reservation_activity_name"] == "Break"
    assert queue["task_order"] == "FIFO" and queue["max_reserved_workers"] == 1
    taskrouter.send("POST", f"{base}/TaskQueues/{queue['sid']}", {"TaskOrder": "LIFO"})
    flow = taskrouter.send(
        "POST",
        f"{base}/Workflows",
        {"FriendlyName": "Default", "Configuration": _routing(queue["sid"])},
    )
    assert flow["task_reservation_timeout"] == 120
    taskrouter.send(
        "POST", f"{base}/Workflows/{flow['sid']}", {"TaskReservationTimeout": "60"}
    )
    taskrouter.send(
        "POST",
        base,
        {
            "DefaultActivitySid": lunch["sid"],
            "EventCallbackUrl": "https://example.com/e",
        },
    )
    assert taskrouter.send("GET", base)["default_activity_name"] == "Break"
    for part in ("Activities", "TaskChannels", "TaskQueues", "Workflows"):
        taskrouter.send("GET", f"{base}/{part}", {"PageSize": "1"})
    taskrouter.send("DELETE", f"{base}/Workflows/{flow['sid']}")
    taskrouter.send("DELETE", f"{base}/TaskQueues/{queue['sid']}")
    taskrouter.send("DELETE", f"{base}/TaskChannels/{channel['sid']}")
    taskrouter.send("DELETE", f"{base}/Activities/{activities['Unavailable']['sid']}")
    taskrouter.send("DELETE", base)
    assert _refused(taskrouter, "GET", f"{base}/Activities")["code"] == 20404


def test_an_activity_in_use_cannot_be_deleted(taskrouter: Checked) -> None:
    sid, activities = _workspace(taskrouter)
    offline = activities["Offline"]["sid"]
    body = _refused(taskrouter, "DELETE", f"{W}/{sid}/Activities/{offline}")
    assert (body["status"], body["code"]) == (400, 20001)
    assert "default activity" in body["message"]
    queue = taskrouter.send(
        "POST",
        f"{W}/{sid}/TaskQueues",
        {
            "FriendlyName": "Q",
            "AssignmentActivitySid": activities["Unavailable"]["sid"],
        },
    )
    assert (
        "assignment activity"
        in _refused(
            taskrouter,
            "DELETE",
            f"{W}/{sid}/Activities/{activities['Unavailable']['sid']}",
        )["message"]
    )
    assert queue["assignment_activity_name"] == "Unavailable"


def test_available_and_unique_name_are_create_only(taskrouter: Checked) -> None:
    sid, activities = _workspace(taskrouter)
    lunch = activities["Available"]["sid"]
    path = f"{W}/{sid}/Activities/{lunch}"
    body = _refused(taskrouter, "POST", path, {"Available": "false"}, valid=False)
    assert body["code"] == 20001
    channel = taskrouter.send("GET", f"{W}/{sid}/TaskChannels")["channels"][0]["sid"]
    path = f"{W}/{sid}/TaskChannels/{channel}"
    assert (
        _refused(taskrouter, "POST", path, {"UniqueName": "x"}, valid=False)["code"]
        == 20001
    )


def test_names_twilio_keeps_unique(taskrouter: Checked) -> None:
    sid, _ = _workspace(taskrouter)
    body = _refused(
        taskrouter, "POST", f"{W}/{sid}/Activities", {"FriendlyName": "Offline"}
    )
    assert "already in use" in body["message"]
    body = _refused(
        taskrouter,
        "POST",
        f"{W}/{sid}/TaskChannels",
        {"FriendlyName": "V", "UniqueName": "voice"},
    )
    assert "already in use" in body["message"]
    other, _ = _workspace(taskrouter)  # another workspace may reuse both
    taskrouter.send("GET", f"{W}/{other}")


def test_a_queue_a_workflow_names_cannot_be_deleted(taskrouter: Checked) -> None:
    sid, _ = _workspace(taskrouter)
    base = f"{W}/{sid}"
    queue = taskrouter.send("POST", f"{base}/TaskQueues", {"FriendlyName": "Q"})["sid"]
    flow = taskrouter.send(
        "POST",
        f"{base}/Workflows",
        {"FriendlyName": "F", "Configuration": _routing(queue)},
    )["sid"]
    body = _refused(taskrouter, "DELETE", f"{base}/TaskQueues/{queue}")
    assert flow in body["message"]
    other = taskrouter.send("POST", f"{base}/TaskQueues", {"FriendlyName": "R"})["sid"]
    taskrouter.send(
        "POST", f"{base}/Workflows/{flow}", {"Configuration": _routing(other)}
    )
    taskrouter.send("DELETE", f"{base}/TaskQueues/{queue}")


def test_a_workflow_configuration_is_checked(taskrouter: Checked) -> None:
    sid, _ = _workspace(taskrouter)
    base = f"{W}/{sid}/Workflows"
    for bad in ("{", "[]", '{"task_routing": {"filters": [{"targets": "x"}]}}'):
        body = _refused(
            taskrouter, "POST", base, {"FriendlyName": "F", "Configuration": bad}
        )
        assert body["code"] == 20001
    stranger = "WQ" + "0" * 32
    body = _refused(
        taskrouter,
        "POST",
        base,
        {"FriendlyName": "F", "Configuration": _routing(stranger)},
    )
    assert stranger in body["message"]
