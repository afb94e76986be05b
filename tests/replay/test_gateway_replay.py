"""The gateway's connection management through a cassette: the requests
`twilio-iac gateway connections list|create|show|delete` send."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests import tape
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import gateway_settings

FAKE_MATON_KEY = "fake-maton-key-" + "0" * 16


@contextmanager
def gateway_client() -> Iterator[TwilioClient]:
    """Recorded against the emulator's copy of the control endpoints."""
    app = None
    if tape.RECORD_MODE != "none" and tape.TARGET == "emulator":
        from twilio_iac.emulator import Emulator

        app = Emulator()
    settings = gateway_settings({"MATON_API_KEY": FAKE_MATON_KEY})
    with TwilioClient(settings, app=app, sleep=lambda _: None) as http:
        yield http


@tape.tape.use_cassette()
def test_list_create_show_and_delete_a_connection() -> None:
    with gateway_client() as client:
        query = {"app": "twilio"}
        before = client.send_json("GET", "gateway", "/connections", query=query)
        assert [c["status"] for c in before["connections"]] == ["ACTIVE"]

        body = client.send_json(
            "POST", "gateway", "/connections", body={"app": "twilio"}
        )
        created = body["connection"]
        assert created["status"] == "PENDING"
        assert "session_token=" in created["url"]

        path = f"/connections/{created['connection_id']}"
        shown = client.send_json("GET", "gateway", path)["connection"]
        assert shown["connection_id"] == created["connection_id"]

        client.send_json("DELETE", "gateway", path)
        after = client.send_json("GET", "gateway", "/connections", query=query)
        assert after["connections"] == before["connections"]


def test_the_cassette_holds_no_key() -> None:
    folder = tape.CASSETTES / "test_gateway_replay"
    for path in folder.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert FAKE_MATON_KEY not in text and "bearer" not in text.lower()
