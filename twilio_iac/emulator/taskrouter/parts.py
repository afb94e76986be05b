"""A workspace's activities, task channels and task queues.

Twilio's rules kept here:
- an activity's ``available`` is fixed at create (the update takes only
  FriendlyName, so the spec refuses Available there); an activity's
  friendly_name is unique in its workspace (Twilio's docs do not say either
  way: this is the stricter reading, so the client must cope with it);
- an activity that is the workspace's default or timeout activity, or a
  queue's reservation or assignment activity, cannot be deleted
  (RJPearson94/terraform-provider-twilio #36: re-point it first);
- a task channel's unique_name is fixed at create and unique in its workspace;
- a queue that a workflow's configuration names cannot be deleted.
Renaming an activity renames it wherever its name is shown.
"""

from __future__ import annotations

from typing import Any

from ..http.kinds import Behaviour, Kind, register
from ..store import Store
from .common import (
    ACTIVITIES,
    CHANNELS,
    PARENT,
    QUEUES,
    SUB,
    WORKFLOWS,
    WORKSPACES,
    activity_in,
    refused,
    siblings,
)
from .routing import queues_named

# Where an activity is named: (kind, field without _sid/_name).
ACTIVITY_USES = (
    (WORKSPACES, "default_activity"),
    (WORKSPACES, "timeout_activity"),
    (QUEUES, "reservation_activity"),
    (QUEUES, "assignment_activity"),
)


def _unique(store: Store, kind: str, record: dict, field: str, what: str) -> None:
    value = record.get(field)
    if any(other.get(field) == value for other in siblings(store, kind, record)):
        raise refused(f"{what} {field} {value} is already in use in this workspace")


class Activities(Behaviour):
    def on_write(self, store: Store, record: dict[str, Any], values: dict) -> None:
        if record.get("available") is None:
            record["available"] = False  # "All other values specify that it is not"
        _unique(store, ACTIVITIES, record, "friendly_name", "Activity")
        if "FriendlyName" in values:
            for kind, field in ACTIVITY_USES:
                for user in _users(store, kind, field, record["sid"]):
                    user[f"{field}_name"] = record["friendly_name"]

    def on_delete(self, store: Store, record: dict[str, Any]) -> None:
        for kind, field in ACTIVITY_USES:
            for user in _users(store, kind, field, record["sid"]):
                raise refused(
                    f"Activity {record['sid']} is the {field.replace('_', ' ')} "
                    f"of {user['sid']} ({user['friendly_name']}); set another "
                    "activity there before deleting it"
                )


def _users(store: Store, kind: str, field: str, sid: str) -> list[dict[str, Any]]:
    records = store.records(kind)
    return [records[s] for s in records.having(f"{field}_sid", sid)]


class Channels(Behaviour):
    def on_write(self, store: Store, record: dict[str, Any], values: dict) -> None:
        if record.get("channel_optimized_routing") is None:
            record["channel_optimized_routing"] = False
        _unique(store, CHANNELS, record, "unique_name", "TaskChannel")


class Queues(Behaviour):
    def on_write(self, store: Store, record: dict[str, Any], values: dict) -> None:
        for param, field in (
            ("ReservationActivitySid", "reservation_activity"),
            ("AssignmentActivitySid", "assignment_activity"),
        ):
            sid = values.get(param)
            if sid is not None:
                activity = activity_in(store, record["workspace_sid"], sid, param)
                record[f"{field}_name"] = activity["friendly_name"]
        workers = values.get("MaxReservedWorkers")
        if workers is not None and not 1 <= workers <= 50:
            raise refused("MaxReservedWorkers must be between 1 and 50")

    def on_delete(self, store: Store, record: dict[str, Any]) -> None:
        for workflow in siblings(store, WORKFLOWS, record):
            if record["sid"] in queues_named(workflow.get("configuration")):
                raise refused(
                    f"TaskQueue {record['sid']} is used by workflow "
                    f"{workflow['sid']} ({workflow['friendly_name']}); take it "
                    "out of that configuration before deleting it"
                )


ACTIVITY = register(
    Kind(
        name=ACTIVITIES,
        api="taskrouter",
        collection=f"{SUB}/Activities",
        instance=f"{SUB}/Activities/{{Sid}}",
        list_key="activities",
        prefix="WA",
        schema="taskrouter.v1.workspace.activity",
        filters={"FriendlyName": "friendly_name", "Available": "available"},
        parent=PARENT,
        behaviour=Activities(),
    )
)
TASK_CHANNEL = register(
    Kind(
        name=CHANNELS,
        api="taskrouter",
        collection=f"{SUB}/TaskChannels",
        instance=f"{SUB}/TaskChannels/{{Sid}}",
        list_key="channels",
        prefix="TC",
        schema="taskrouter.v1.workspace.task_channel",
        parent=PARENT,
        behaviour=Channels(),
    )
)
TASK_QUEUE = register(
    Kind(
        name=QUEUES,
        api="taskrouter",
        collection=f"{SUB}/TaskQueues",
        instance=f"{SUB}/TaskQueues/{{Sid}}",
        list_key="task_queues",
        prefix="WQ",
        schema="taskrouter.v1.workspace.task_queue",
        defaults={
            "target_workers": "1==1",
            "task_order": "FIFO",
            "max_reserved_workers": 1,
        },
        filters={"FriendlyName": "friendly_name"},
        links={
            "statistics": "Statistics",
            "real_time_statistics": "RealTimeStatistics",
            "cumulative_statistics": "CumulativeStatistics",
            "list_statistics": "Statistics",
        },
        parent=PARENT,
        behaviour=Queues(),
    )
)
