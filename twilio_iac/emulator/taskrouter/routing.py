"""A workflow's Configuration: the JSON document of its task routing.

Queue SIDs appear at ``task_routing.filters[].targets[].queue`` and
``task_routing.default_filter.queue``; those are the queues a workflow names
(twilio.com/docs/taskrouter/workflow-configuration).
"""

from __future__ import annotations

import json
from typing import Any

from .common import refused


def parse(text: str) -> dict[str, Any]:
    """The configuration as data, or the 400 Twilio answers for a bad one."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise refused(f"Configuration is not valid JSON: {error}") from None
    routing = data.get("task_routing") if isinstance(data, dict) else None
    if not isinstance(routing, dict):
        raise refused("Configuration must hold a task_routing object")
    filters = routing.get("filters", [])
    if not isinstance(filters, list) or not all(isinstance(f, dict) for f in filters):
        raise refused("Configuration task_routing.filters must be a list of objects")
    for number, item in enumerate(filters):
        targets = item.get("targets")
        if not isinstance(targets, list) or not all(
            isinstance(t, dict) and isinstance(t.get("queue"), str) for t in targets
        ):
            raise refused(
                f"Configuration task_routing.filters[{number}].targets must be a "
                "list of objects, each with a queue"
            )
    default = routing.get("default_filter")
    if default is not None and not isinstance(default, dict):
        raise refused("Configuration task_routing.default_filter must be an object")
    return data


def queues_named(text: str | None) -> list[str]:
    """Every queue SID a stored configuration names, in document order."""
    if not text:
        return []
    try:
        routing = json.loads(text).get("task_routing") or {}
    except (ValueError, AttributeError):
        return []
    named = [
        target.get("queue")
        for item in routing.get("filters") or []
        for target in item.get("targets") or []
    ]
    default = routing.get("default_filter") or {}
    named.append(default.get("queue"))
    return [sid for sid in named if isinstance(sid, str)]
