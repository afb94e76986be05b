"""The sandbox's clock (store/clock.py): real time plus an offset, or a manual
instant; the timeline of due steps, applied lazily and written back; the
control route; state files from before the clock."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import (
    SANDBOX_ACCOUNT_SID,
    SANDBOX_AUTH_TOKEN,
    SANDBOX_CREDENTIALS,
    Emulator,
)
from twilio_iac.emulator.store import clock

SENDER = "+14155550100"


def _client(emulator: Emulator) -> TwilioClient:
    return TwilioClient(
        Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS), app=emulator
    )


@pytest.fixture
def manual() -> Emulator:
    return Emulator(clock="manual")


@pytest.fixture
def client(manual: Emulator) -> Iterator[TwilioClient]:
    with _client(manual) as found:
        yield found


def _send(client: TwilioClient, what: str = "Messages", **params: str) -> dict:
    path = f"/2010-04-01/Accounts/{client.account_sid}/{what}.json"
    defaults = {"To": "+14155551234", "From": SENDER}
    if what == "Messages":
        defaults["Body"] = "Hi"
    else:
        defaults["Url"] = "https://example.com/t"
    return client.create("core", path, {**defaults, **params})


def _get(client: TwilioClient, record: dict) -> dict:
    return client.fetch("core", record["uri"])


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("1.5m", 90), ("2h", 7200), ("1d", 86400), ("500ms", 0.5), (3, 3)],
)
def test_durations(text, seconds):
    assert clock.seconds(text) == seconds


@pytest.mark.parametrize("text", ["soon", "-5s", -1, True])
def test_what_is_not_a_duration(text):
    with pytest.raises(ValueError):
        clock.seconds(text)


def test_a_manual_clock_stands_still_until_advanced(manual, client):
    start = manual.now()
    sent = _send(client)
    assert manual.now() == start
    assert [_get(client, sent)["status"] for _ in range(3)] == ["queued"] * 3
    manual.advance(1)
    assert manual.now() - start == timedelta(seconds=1)
    assert _get(client, sent)["status"] == "sending"
    manual.advance(1)
    assert _get(client, sent)["status"] == "sent"
    manual.advance(2)
    assert _get(client, sent)["status"] == "delivered"


def test_a_real_clock_is_moved_by_an_offset():
    emulator = Emulator()  # the default: it follows real time
    with _client(emulator) as client:
        sent = _send(client)
        assert sent["status"] == "queued"
        shown = emulator.advance(10)
        assert shown["mode"] == "real" and shown["offset_seconds"] == 10
        assert _get(client, sent)["status"] == "delivered"


def test_switching_modes_keeps_the_sandbox_time(manual):
    manual.advance(3600)
    stopped = manual.now()
    manual.store.set_clock("real")
    assert manual.now() >= stopped
    assert manual.now() - stopped < timedelta(seconds=60)


def test_a_finished_send_leaves_nothing_on_the_timeline(manual, client):
    sent = _send(client)
    call = _send(client, "Calls")
    manual.advance(3600)
    assert _get(client, sent)["status"] == "delivered"
    assert _get(client, call)["status"] == "completed"
    state = manual.state()
    assert state["collections"].get("timeline") == {}
    assert state["timeline_next"] is None


def test_a_delete_or_hang_up_takes_the_send_off_the_timeline(manual, client):
    held = _send(client, "Calls", To="+15005555001")  # answered, then held
    manual.advance(4)
    assert _get(client, held)["status"] == "in-progress"
    manual.advance(30)
    ended = client.update("core", held["uri"], {"Status": "completed"})
    assert (ended["status"], ended["duration"]) == ("completed", "30")
    sent = _send(client)
    manual.advance(4)
    client.delete("core", sent["uri"])
    assert manual.state()["collections"]["timeline"] == {}


def test_steps_are_written_back_for_other_processes(tmp_path: Path):
    path = tmp_path / "sandbox.db"
    one, two = Emulator(path, clock="manual"), Emulator(path)
    with _client(one) as client:
        sent = _send(client)
    assert two.now() == one.now()  # one clock, in the state file
    two.advance(4)
    assert one.now() == two.now()
    (message,) = one.records("messages")
    assert message["sid"] == sent["sid"] and message["status"] == "delivered"
    one.close()
    two.close()


def test_the_control_route_shows_and_moves_the_clock(manual):
    # The control routes take the main account's own credentials.
    with httpx.Client(
        transport=httpx.WSGITransport(app=manual),
        base_url="http://sandbox",
        auth=(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN),
    ) as http:
        shown = http.get("/_emulator/clock").json()
        assert shown["mode"] == "manual" and shown["offset_seconds"] is None
        moved = http.post("/_emulator/clock", json={"advance": "90s"}).json()
        assert moved["now"] > shown["now"]
        assert http.post("/_emulator/clock", json={"mode": "real"}).json()["mode"] == (
            "real"
        )
        for bad in ({"advance": "soon"}, {"advance": -1}, {"speed": 2}, [1]):
            refused = http.post("/_emulator/clock", json=bad)
            assert refused.status_code == 400
            assert refused.json()["message"].startswith("Bad clock:")
    with httpx.Client(
        transport=httpx.WSGITransport(app=manual), base_url="http://sandbox"
    ) as anyone:
        assert anyone.post("/_emulator/clock", json={"advance": 9}).status_code == 401


def test_a_state_file_from_before_the_clock_goes_on(tmp_path: Path):
    """Sends left queued or sending by the advance-on-fetch sandbox move on."""
    path = tmp_path / "sandbox.db"
    old = Emulator(path)
    with _client(old) as client:
        stuck = _send(client)
        call = _send(client, "Calls")
    old.close()
    db = sqlite3.connect(path)
    (meta,) = db.execute("SELECT value FROM meta WHERE key = 'state'").fetchone()
    meta = json.loads(meta)
    meta.pop("clock"), meta.pop("timeline_next")
    db.execute("UPDATE meta SET value = ? WHERE key = 'state'", (json.dumps(meta),))
    db.execute("DELETE FROM records WHERE kind = 'timeline'")
    body = json.dumps({**stuck, "status": "sending"})
    db.execute("UPDATE records SET body = ? WHERE sid = ?", (body, stuck["sid"]))
    db.commit()
    db.close()

    reopened = Emulator(path)
    assert reopened.clock()["mode"] == "real"
    reopened.advance(3600)
    statuses = {m["sid"]: m["status"] for m in reopened.records("messages")}
    assert statuses[stuck["sid"]] == "delivered"
    (ended,) = reopened.records("calls")
    assert ended["sid"] == call["sid"] and ended["status"] == "completed"
    reopened.close()
