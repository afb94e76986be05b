"""A workspace's workflows: a Configuration that parses, whose every queue is
one of the workspace's task queues."""

from __future__ import annotations

from typing import Any

from ..http.kinds import Behaviour, Kind, register
from ..store import Store
from .common import PARENT, QUEUES, SUB, WORKFLOWS, refused
from .routing import parse, queues_named


class Workflows(Behaviour):
    def on_write(self, store: Store, record: dict[str, Any], values: dict) -> None:
        text = values.get("Configuration")
        if text is not None:
            parse(text)
            queues = store.records(QUEUES)
            for sid in queues_named(text):
                queue = queues.get(sid)
                if queue is None or queue["workspace_sid"] != record["workspace_sid"]:
                    raise refused(
                        f"Configuration names TaskQueue {sid}, which is not in "
                        f"workspace {record['workspace_sid']}"
                    )
        timeout = values.get("TaskReservationTimeout")
        if timeout is not None and not 1 <= timeout <= 86400:
            # "The maximum value is 86,400 (24 hours) and the default is 120."
            raise refused("TaskReservationTimeout must be between 1 and 86400")


WORKFLOW = register(
    Kind(
        name=WORKFLOWS,
        api="taskrouter",
        collection=f"{SUB}/Workflows",
        instance=f"{SUB}/Workflows/{{Sid}}",
        list_key="workflows",
        prefix="WW",
        schema="taskrouter.v1.workspace.workflow",
        defaults={
            "task_reservation_timeout": 120,
            "document_content_type": "application/json",
        },
        filters={"FriendlyName": "friendly_name"},
        links={
            "statistics": "Statistics",
            "real_time_statistics": "RealTimeStatistics",
            "cumulative_statistics": "CumulativeStatistics",
        },
        parent=PARENT,
        behaviour=Workflows(),
    )
)
