"""What the TaskRouter kinds share: record kinds' names, the path of a
workspace's sub-collections, and Twilio's error for a refused write."""

from __future__ import annotations

from typing import Any

from ..http.problems import INVALID_PARAMETER, ApiProblem, bad_request
from ..store import Store

WORKSPACES = "taskrouter_workspaces"
ACTIVITIES = "taskrouter_activities"
CHANNELS = "taskrouter_task_channels"
QUEUES = "taskrouter_task_queues"
WORKFLOWS = "taskrouter_workflows"

SUB = "/v1/Workspaces/{WorkspaceSid}"
PARENT = ("WorkspaceSid", WORKSPACES, "workspace_sid")


def refused(message: str) -> ApiProblem:
    # TaskRouter answers its validation errors (a name taken, an activity in
    # use, a bad configuration) as 400s; no TaskRouter-specific code was found
    # in Twilio's error dictionary for these, so the generic 20001 ("Invalid
    # parameter") stands in, as elsewhere in the emulator.
    return bad_request(INVALID_PARAMETER, message)


def siblings(store: Store, kind: str, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The other records of ``kind`` in the record's workspace."""
    records = store.records(kind)
    return [
        records[sid]
        for sid in records.having("workspace_sid", record["workspace_sid"])
        if sid != record["sid"]
    ]


def activity_in(store: Store, workspace_sid: str, sid: str, param: str) -> dict:
    """The workspace's activity ``sid``, or the 400 Twilio answers for another."""
    activity = store.records(ACTIVITIES).get(sid)
    if activity is None or activity["workspace_sid"] != workspace_sid:
        raise refused(f"{param} {sid} is not an Activity of workspace {workspace_sid}")
    return activity
