"""TaskRouter workspaces, and what Twilio creates in each new one.

A new workspace comes with the activities Offline, Available and Unavailable,
Offline being its default and timeout activity ("TaskRouter pre-populates new
Workspaces with "Offline", "Unavailable", and "Available" Activities":
twilio.com/docs/taskrouter/api/activity), and with the task channels Twilio's
multitasking docs list (default, voice, chat, sms, video, email). Template
FIFO adds a queue and a workflow routing every task to it. Deleting a
workspace deletes everything in it.
"""

from __future__ import annotations

import json
from typing import Any

from ..http.kinds import KINDS, Behaviour, Kind, new_record, register
from ..store import Store
from .common import (
    ACTIVITIES,
    CHANNELS,
    QUEUES,
    WORKFLOWS,
    WORKSPACES,
    activity_in,
)

DEFAULT_ACTIVITIES = (("Offline", False), ("Available", True), ("Unavailable", False))
DEFAULT_CHANNELS = (
    ("default", "Default"),
    ("voice", "Voice"),
    ("chat", "Chat"),
    ("sms", "SMS"),
    ("video", "Video"),
    ("email", "Email"),
)
FIFO_QUEUE = "Sample Queue"
FIFO_WORKFLOW = "Default Fifo Workflow"
ACTIVITY_PARAMS = (
    ("DefaultActivitySid", "default_activity"),
    ("TimeoutActivitySid", "timeout_activity"),
)


def add(store: Store, kind: str, workspace: dict[str, Any], **fields: Any) -> dict:
    """A record Twilio creates in a workspace by itself."""
    record = new_record(KINDS[kind], store, store.now(), None, workspace["account_sid"])
    record.update(workspace_sid=workspace["sid"], **fields)
    store.records(kind)[record["sid"]] = record
    return record


class Workspaces(Behaviour):
    def on_create(self, store: Store, record: dict[str, Any], values: dict) -> None:
        template = values.pop("Template", None)
        made = [
            add(store, ACTIVITIES, record, friendly_name=name, available=available)
            for name, available in DEFAULT_ACTIVITIES
        ]
        for unique, name in DEFAULT_CHANNELS:
            add(
                store,
                CHANNELS,
                record,
                unique_name=unique,
                friendly_name=name,
                channel_optimized_routing=False,
            )
        for _, field in ACTIVITY_PARAMS:
            record[f"{field}_sid"] = made[0]["sid"]
            record[f"{field}_name"] = made[0]["friendly_name"]
        if template == "FIFO":
            _fifo(store, record)

    def on_update(self, store: Store, record: dict[str, Any], values: dict) -> None:
        for param, field in ACTIVITY_PARAMS:
            sid = values.pop(param, None)
            if sid is not None:
                activity = activity_in(store, record["sid"], sid, param)
                record[f"{field}_sid"] = sid
                record[f"{field}_name"] = activity["friendly_name"]

    def on_delete(self, store: Store, record: dict[str, Any]) -> None:
        for kind in (WORKFLOWS, QUEUES, CHANNELS, ACTIVITIES):
            records = store.records(kind)
            for sid in records.having("workspace_sid", record["sid"]):
                del records[sid]


def _fifo(store: Store, workspace: dict[str, Any]) -> None:
    queue = add(
        store,
        QUEUES,
        workspace,
        friendly_name=FIFO_QUEUE,  # the rest: the kind's defaults (new_record)
    )
    routing = {"task_routing": {"default_filter": {"queue": queue["sid"]}}}
    add(
        store,
        WORKFLOWS,
        workspace,
        friendly_name=FIFO_WORKFLOW,
        configuration=json.dumps(routing),
    )


WORKSPACE = register(
    Kind(
        name=WORKSPACES,
        api="taskrouter",
        collection="/v1/Workspaces",
        instance="/v1/Workspaces/{Sid}",
        list_key="workspaces",
        prefix="WS",
        schema="taskrouter.v1.workspace",
        defaults={"multi_task_enabled": True, "prioritize_queue_order": "FIFO"},
        filters={"FriendlyName": "friendly_name"},
        links={
            "activities": "Activities",
            "task_channels": "TaskChannels",
            "task_queues": "TaskQueues",
            "workflows": "Workflows",
            "workers": "Workers",
            "tasks": "Tasks",
            "events": "Events",
            "statistics": "Statistics",
            "real_time_statistics": "RealTimeStatistics",
            "cumulative_statistics": "CumulativeStatistics",
        },
        behaviour=Workspaces(),
    )
)
