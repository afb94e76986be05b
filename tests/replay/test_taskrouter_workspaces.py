"""A TaskRouter workspace through a cassette: adopted activities, names for
SIDs, an activity replaced while it is the timeout activity, a queue a
workflow named removed after the workflow moves off it."""

from __future__ import annotations

from tests import tape
from tests.replay import flow

WORKSPACE = """
    taskrouter_workspaces:
      - friendly_name: Replay Support
        timeout_activity: Lunch
        activities:
          - {friendly_name: Offline}
          - {friendly_name: Lunch, available: false}
        task_channels:
          - {unique_name: voice, friendly_name: Voice calls}
        task_queues:
          - friendly_name: QUEUE
            reservation_activity: Lunch
        workflows:
          - friendly_name: Default
            configuration:
              task_routing:
                filters:
                  - expression: 'language == "es"'
                    targets: [{queue: QUEUE}]
                default_filter: {queue: QUEUE}
"""
PRUNED = """
    taskrouter_workspaces: []
    prune: [taskrouter_workspaces]
"""


@tape.tape.use_cassette()
def test_workspace_with_named_parts_replaced_and_pruned() -> None:
    with tape.client() as client:
        manifest = WORKSPACE.replace("QUEUE", "Spanish")
        created, _ = flow.apply(client, manifest)
        assert [(c.action, getattr(c, "part", "")) for c in created.changes] == [
            ("create", ""),
            ("set", "defaults"),  # waits for Lunch all the same
            ("set", "task_channels"),  # adopted: never added twice
            ("add", "activities"),
            ("add", "task_queues"),
            ("add", "workflows"),
        ]
        workspace = flow.fetch(client, "taskrouter_workspaces")["Replay Support"]
        assert workspace.fields["timeout_activity"] == "Lunch"
        assert set(workspace.fields["activities"]) == {
            "Offline",
            "Available",
            "Unavailable",
            "Lunch",
        }
        routing = workspace.fields["workflows"]["Default"]["configuration"]
        assert routing["task_routing"]["default_filter"] == {"queue": "Spanish"}
        assert flow.plan(client, manifest).changes == ()

        # Lunch becomes available (create-only: a replace) and the workflow
        # moves to a new queue: the old queue goes once nothing names it.
        changed = manifest.replace("available: false", "available: true")
        changed = changed.replace("Spanish", "Español")
        plan, lines = flow.apply(client, changed)
        done = [line.split(" → ")[0] for line in lines]
        assert done.index('✓ set taskrouter_workspaces "Replay Support" defaults') < (
            done.index(
                '✓ remove taskrouter_workspaces "Replay Support" activities '
                '"Lunch (replaced)"'
            )
        )
        assert done.index(
            '✓ set taskrouter_workspaces "Replay Support" workflows "Default"'
        ) < done.index(
            '✓ remove taskrouter_workspaces "Replay Support" task_queues "Spanish"'
        )
        assert flow.plan(client, changed).changes == ()

        pruned, _ = flow.apply(client, PRUNED)
        assert [c.action for c in pruned.changes] == ["delete"]
        assert flow.fetch(client, "taskrouter_workspaces") == {}
