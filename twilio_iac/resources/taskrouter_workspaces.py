"""TaskRouter workspaces: https://taskrouter.twilio.com/v1/Workspaces.

A workspace holds its activities, task channels, task queues and workflows as
children (resources/pools.py), each identified by friendly_name within the
workspace (task channels by unique_name). Where one names another (a queue's
activities, a workflow's queues, the workspace's default and timeout
activity) the manifest writes the name and the wire carries the SID.
Workers are people, not configuration: they are not managed.
"""

from __future__ import annotations

from typing import Any

from twilio_iac.resources._common import choice, url
from twilio_iac.resources.base import Field, ResourceType, register
from twilio_iac.resources.pools import Children

ORDER = ("FIFO", "LIFO")
# Where a workflow configuration names its queues (Twilio's workflow
# configuration docs: twilio.com/docs/taskrouter/workflow-configuration).
QUEUE_PATHS = (
    "task_routing.filters[].targets[].queue",
    "task_routing.default_filter.queue",
)


def _activity(name: str, param: str, what: str, default: str | None = None) -> Field:
    return Field(
        name,
        source=f"{name}_name",
        names_part="activities",
        param=param,
        default=default,
        nullable=default is None,
        description=f"The {what}, by the friendly_name of one of the "
        "workspace's activities.",
    )


def _name(**more: Any) -> Field:
    return Field("friendly_name", max_length=64, nullable=False, **more)


ACTIVITIES = Children(
    "activities",
    "activity",
    "/Activities",
    "activities",
    identity="friendly_name",
    prefix="WA",
    adopted={
        name: {"friendly_name": name, "available": available}
        for name, available in (
            ("Offline", False),
            ("Available", True),
            ("Unavailable", False),
        )
    },
    description="A worker's states, each identified by friendly_name. Twilio "
    "creates Offline, Available and Unavailable with the workspace: they are "
    "adopted by name, and kept when not listed unless prune names "
    "taskrouter_workspaces.activities.",
    fields=(
        _name(),
        Field(
            "available",
            "boolean",
            default=False,
            nullable=False,
            create_only=True,
            description="Whether a worker in this activity can take tasks. "
            "Twilio fixes it at create: a change replaces the activity.",
        ),
    ),
)
TASK_CHANNELS = Children(
    "task_channels",
    "task channel",
    "/TaskChannels",
    "channels",
    identity="unique_name",
    prefix="TC",
    adopted={
        unique: {
            "unique_name": unique,
            "friendly_name": name,
            "channel_optimized_routing": False,
        }
        for unique, name in (
            ("default", "Default"),
            ("voice", "Voice"),
            ("chat", "Chat"),
            ("sms", "SMS"),
            ("video", "Video"),
            ("email", "Email"),
        )
    },
    description="The kinds of task, each identified by unique_name (fixed at "
    "create). Twilio creates default, voice, chat, sms, video and email with "
    "the workspace: they are adopted, and kept when not listed unless prune "
    "names taskrouter_workspaces.task_channels.",
    fields=(
        Field(
            "unique_name",
            required=True,
            nullable=False,
            create_only=True,
            max_length=64,
            pattern=r"^[^-]+$",
            pattern_message="must not hold a hyphen (Twilio's task channel "
            "names do not support them)",
        ),
        _name(required=True),
        Field("channel_optimized_routing", "boolean", default=False, nullable=False),
    ),
)
TASK_QUEUES = Children(
    "task_queues",
    "task queue",
    "/TaskQueues",
    "task_queues",
    identity="friendly_name",
    prefix="WQ",
    description="Where tasks wait for workers, each identified by friendly_name.",
    fields=(
        _name(),
        Field(
            "target_workers",
            default="1==1",
            nullable=False,
            description="Which workers may take the queue's tasks, e.g. "
            'languages HAS "es".',
        ),
        choice("task_order", ORDER, "FIFO"),
        Field(
            "max_reserved_workers",
            "integer",
            minimum=1,
            maximum=50,
            default=1,
            nullable=False,
        ),
        _activity(
            "reservation_activity",
            "ReservationActivitySid",
            "activity a worker moves to when a task is reserved for them",
        ),
        _activity(
            "assignment_activity",
            "AssignmentActivitySid",
            "activity a worker moves to when a task is assigned to them",
        ),
    ),
)
WORKFLOWS = Children(
    "workflows",
    "workflow",
    "/Workflows",
    "workflows",
    identity="friendly_name",
    prefix="WW",
    files=(("configuration_file", "configuration"),),
    description="How tasks are routed to queues, each identified by friendly_name.",
    fields=(
        _name(),
        Field(
            "configuration",
            "json",
            required=True,
            nullable=False,
            names_part="task_queues",
            name_paths=QUEUE_PATHS,
            description="The routing document, as a mapping (or "
            "configuration_file: a JSON or YAML file relative to the "
            "manifest). Each targets[].queue and default_filter.queue names a "
            "queue of this workspace by friendly_name (a WQ SID is accepted "
            "too). A SID inside a filter expression is sent as written.",
        ),
        Field(
            "task_reservation_timeout",
            "integer",
            minimum=1,
            maximum=86400,
            default=120,
            nullable=False,
        ),
        url("assignment_callback_url"),
        url("fallback_assignment_callback_url"),
    ),
)

TASKROUTER_WORKSPACES = register(
    ResourceType(
        kind="taskrouter_workspaces",
        title="TaskRouter workspace",
        api="taskrouter",
        collection="/v1/Workspaces",
        instance="/v1/Workspaces/{sid}",
        list_key="workspaces",
        sid_prefix="WS",
        identity="friendly_name",
        description="TaskRouter workspaces, identified by friendly_name, with "
        "their activities, task channels, task queues and workflows nested. "
        "Workers are not managed.",
        fields=(
            Field("friendly_name", max_length=64, nullable=False),
            url("event_callback_url"),
            Field(
                "events_filter",
                description="The events sent to event_callback_url, comma "
                "separated: task.created, worker.activity.update, …",
            ),
            Field("multi_task_enabled", "boolean", default=True, nullable=False),
            choice("prioritize_queue_order", ORDER, "FIFO"),
            Field(
                "template",
                "enum",
                enum=("NONE", "FIFO"),
                write_only=True,
                description="FIFO: Twilio adds a sample queue and workflow at "
                "create (NONE, its default: only the default activities); the "
                "next plan shows them, to be removed where task_queues or "
                "workflows are listed without them. Sent on create only; Twilio "
                "does not return it, so a later change is not seen.",
            ),
            _activity(
                "default_activity",
                "DefaultActivitySid",
                "activity new workers start in",
                "Offline",
            ),
            _activity(
                "timeout_activity",
                "TimeoutActivitySid",
                "activity a worker moves to when they let a reservation time out",
                "Offline",
            ),
        ),
        parts=(ACTIVITIES, TASK_CHANNELS, TASK_QUEUES, WORKFLOWS),
    )
)
