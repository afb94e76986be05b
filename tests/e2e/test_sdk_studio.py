"""The official SDK's Studio v2 against `emulator serve`, when the twilio
package is installed (skipped without it, as in test_sdk_pools.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Emulator
from twilio_iac.emulator.server import _bind

rest = pytest.importorskip("twilio.rest")
exceptions = pytest.importorskip("twilio.base.exceptions")

DEFINITION = {
    "initial_state": "Trigger",
    "states": [
        {
            "name": "Trigger",
            "type": "trigger",
            "transitions": [{"event": "incomingCall", "next": "greeting"}],
        },
        {"name": "greeting", "type": "say-play", "properties": {"say": "Hi"}},
    ],
}


@pytest.fixture
def client() -> Iterator[object]:
    server = _bind("127.0.0.1", 0, Emulator())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sdk = rest.Client(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    sdk.studio.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    yield sdk
    server.shutdown()
    server.server_close()


def test_sdk_manages_flows_and_their_revisions(client) -> None:
    flows = client.studio.v2.flows
    made = flows.create(
        friendly_name="SDK IVR", status="published", definition=DEFINITION
    )
    assert made.revision == 1 and made.valid is True
    assert [f.friendly_name for f in flows.list()] == ["SDK IVR"]
    changed = flows(made.sid).update(status="draft", commit_message="later")
    assert changed.revision == 2 and changed.commit_message == "later"
    assert flows(made.sid).fetch().status == "draft"
    revisions = flows(made.sid).revisions.list()
    assert [r.revision for r in revisions] == [2, 1]
    assert flows(made.sid).revisions("1").fetch().status == "published"
    assert client.studio.v2.flow_validate.update(
        friendly_name="x", status="published", definition=DEFINITION
    ).valid
    flows(made.sid).delete()
    assert flows.list() == []


def test_sdk_sees_81022_for_an_invalid_definition(client) -> None:
    broken = {**DEFINITION, "initial_state": "Nowhere"}
    with pytest.raises(exceptions.TwilioRestException) as refused:
        client.studio.v2.flow_validate.update(
            friendly_name="x", status="published", definition=broken
        )
    assert refused.value.code == 81022
    assert refused.value.details["errors"][0]["property_path"] == "#/initial_state"
