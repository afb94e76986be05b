"""Queues through a cassette: fetch, create, update in place, prune delete."""

from __future__ import annotations

from tests import tape
from tests.replay import flow

QUEUE = """
    queues:
      - friendly_name: replay-support
        max_size: 50
"""
PRUNED = """
    queues: []
    prune: [queues]
"""


@tape.tape.use_cassette()
def test_create_update_and_prune_a_queue() -> None:
    with tape.client() as client:
        created, lines = flow.apply(client, QUEUE)
        assert flow.actions(created) == [("create", "queues", "replay-support")]
        queue = flow.fetch(client, "queues")["replay-support"]
        assert queue.sid is not None and queue.sid.startswith("QU")
        assert lines == [f'✓ create queues "replay-support" → {queue.sid}']
        assert queue.fields == {"friendly_name": "replay-support", "max_size": 50}

        updated, _ = flow.apply(client, QUEUE.replace("50", "80"))
        (change,) = updated.changes
        assert (change.action, change.sid) == ("update", queue.sid)
        assert change.send == {"max_size": 80}
        assert flow.fetch(client, "queues")["replay-support"].fields["max_size"] == 80
        assert flow.plan(client, QUEUE.replace("50", "80")).changes == ()

        pruned, lines = flow.apply(client, PRUNED)
        assert flow.actions(pruned) == [("delete", "queues", "replay-support")]
        assert "replay-support" not in flow.fetch(client, "queues")
