"""TaskRouter v1 (taskrouter.twilio.com/v1): workspaces, with the activities,
task channels, task queues and workflows nested in each. Workers and tasks are
not emulated."""

from __future__ import annotations

from . import parts, workflows, workspaces

__all__ = ["parts", "workflows", "workspaces"]
