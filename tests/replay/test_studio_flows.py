"""Studio flows through a cassette: a definition in, each flow read on its
own, a change sent as the whole definition with its stamped commit message."""

from __future__ import annotations

import json

from tests import tape
from tests.replay import flow

FLOW = """
    studio_flows:
      - friendly_name: Replay IVR
        status: published
        commit_message: {message}
        definition:
          initial_state: Trigger
          states:
            - name: Trigger
              type: trigger
              transitions: [{{event: incomingCall, next: greeting}}]
            - name: greeting
              type: say-play
              properties: {{say: {say}}}
              transitions: []
"""
PRUNED = """
    studio_flows: []
    prune: [studio_flows]
"""


@tape.tape.use_cassette()
def test_create_update_and_prune_a_flow() -> None:
    with tape.client() as client:
        first = FLOW.format(message="first", say="Hi")
        created, _ = flow.apply(client, first)
        assert flow.actions(created) == [("create", "studio_flows", "Replay IVR")]
        made = flow.fetch(client, "studio_flows")["Replay IVR"]
        assert made.sid is not None and made.sid.startswith("FW")
        assert made.fields["commit_message"] == "twilio-iac: first"
        assert made.fields["definition"]["states"][1]["properties"]["say"] == "Hi"
        assert flow.plan(client, first).changes == ()

        changed = FLOW.format(message="louder", say="Hello")
        updated, _ = flow.apply(client, changed)
        (change,) = updated.changes
        assert (change.action, change.sid) == ("update", made.sid)
        assert set(change.send) == {"definition", "status", "commit_message"}
        after = flow.fetch(client, "studio_flows")["Replay IVR"]
        assert after.fields["revision"] == 2
        assert json.dumps(after.fields["definition"]).count("Hello") == 1
        assert flow.plan(client, changed).changes == ()

        pruned, _ = flow.apply(client, PRUNED)
        assert flow.actions(pruned) == [("delete", "studio_flows", "Replay IVR")]
        assert flow.fetch(client, "studio_flows") == {}
