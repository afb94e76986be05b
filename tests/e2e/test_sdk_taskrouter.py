"""The official SDK's TaskRouter client against `emulator serve`, when the
twilio package is installed (it is not a dependency: skipped without it)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest

from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Emulator
from twilio_iac.emulator.server import _bind

rest = pytest.importorskip("twilio.rest")
exceptions = pytest.importorskip("twilio.base.exceptions")


@pytest.fixture
def client() -> Iterator[object]:
    server = _bind("127.0.0.1", 0, Emulator())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sdk = rest.Client(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    sdk.taskrouter.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    yield sdk
    server.shutdown()
    server.server_close()


def test_sdk_manages_a_workspace_and_its_parts(client) -> None:
    workspace = client.taskrouter.v1.workspaces.create(friendly_name="SDK Support")
    assert workspace.default_activity_name == "Offline"
    ws = client.taskrouter.v1.workspaces(workspace.sid)
    activities = {a.friendly_name: a for a in ws.activities.list()}
    assert activities["Available"].available is True
    lunch = ws.activities.create(friendly_name="Lunch", available=False)
    channels = [c.unique_name for c in ws.task_channels.list()]
    assert "voice" in channels
    queue = ws.task_queues.create(
        friendly_name="Spanish", reservation_activity_sid=lunch.sid
    )
    assert queue.reservation_activity_name == "Lunch"
    routing = {"task_routing": {"default_filter": {"queue": queue.sid}}}
    flow = ws.workflows.create(
        friendly_name="Default", configuration=json.dumps(routing)
    )
    assert flow.task_reservation_timeout == 120
    with pytest.raises(exceptions.TwilioRestException) as refused:
        ws.task_queues(queue.sid).delete()
    assert refused.value.status == 400
    ws.update(timeout_activity_sid=lunch.sid)
    with pytest.raises(exceptions.TwilioRestException):
        ws.activities(lunch.sid).delete()
    ws.workflows(flow.sid).delete()
    ws.task_queues(queue.sid).delete()
    ws.delete()
