"""The sandbox's clock through `emulator serve --clock manual`, in its own
process: statuses move on when time does, whoever looks, and fetch, list,
filters, deletes and status callbacks all agree. Time is moved by the control
route and by `twilio-iac emulator advance` on the state file."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.webhook_app import App, serving
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN

P = f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}"
SENDER = "+14155550100"  # a seeded sandbox number
_SMS = ("send", "sms", "--to", "+14155551234", "--from", SENDER, "--body", "Hi")
AUTH = base64.b64encode(f"{SANDBOX_ACCOUNT_SID}:{SANDBOX_AUTH_TOKEN}".encode())


@dataclass
class Served:
    url: str
    state: Path

    def call(
        self, method: str, path: str, form: dict[str, Any] | None = None
    ) -> tuple[int, Any]:
        """Status and JSON body of one authenticated request."""
        url, data = self.url + path, None
        if form is not None and method == "GET":
            url += "?" + urlencode(form, doseq=True)
        elif form is not None:
            data = urlencode(form, doseq=True).encode()
        request = urllib.request.Request(
            url,
            data=data,
            method=method,
            headers={"Authorization": f"Basic {AUTH.decode()}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                body = reply.read()
                return reply.status, json.loads(body) if body else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def clock(self, **change: Any) -> dict[str, Any]:
        """GET /_emulator/clock, or POST a change to it."""
        request = urllib.request.Request(
            self.url + "/_emulator/clock",
            data=json.dumps(change).encode() if change else None,
            method="POST" if change else "GET",
            headers={
                "Authorization": f"Basic {AUTH.decode()}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.load(reply)

    def now(self) -> datetime:
        return datetime.fromisoformat(self.clock()["now"].replace("Z", "+00:00"))

    def sms(self, **extra: str) -> dict[str, Any]:
        form = {"To": "+14155551234", "From": SENDER, "Body": "Hi", **extra}
        status, body = self.call("POST", f"{P}/Messages.json", form)
        assert status == 201, body
        return body


def _serve(tmp_path: Path, *flags: str) -> Iterator[Served]:
    state = tmp_path / "served.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "twilio_iac", "emulator", "serve", "--port", "0",
         "--state", str(state), "--clock", "manual", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert "listening on http://127.0.0.1:" in line, line
        yield Served(line.split()[4], state)
    finally:
        process.terminate()
        process.communicate(timeout=10)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path)


@pytest.fixture
def delivering(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path, "--deliver-webhooks")


@pytest.fixture
def app() -> Iterator[App]:
    with serving() as found:
        yield found


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _listed(served: Served, kind: str, **query: str) -> list[dict[str, Any]]:
    name = kind.title().replace("_", "")
    status, body = served.call("GET", f"{P}/{name}.json", query)
    assert status == 200, body
    return body[kind]


def test_messages_are_delivered_as_time_passes_and_listed_so(served):
    before = served.now().replace(microsecond=0)
    sids = [served.sms()["sid"] for _ in range(3)]
    assert served.clock()["mode"] == "manual"
    listed = _listed(served, "messages")
    assert [(m["status"], m["date_sent"]) for m in listed] == [("queued", None)] * 3
    assert _listed(served, "messages", **{"DateSent>": _stamp(before)}) == []
    status, refused = served.call("DELETE", f"{P}/Messages/{sids[0]}.json")
    assert (status, refused["code"]) == (400, 20009)

    assert served.clock(advance="5s")["now"] > _stamp(before)
    listed = _listed(served, "messages")
    assert {m["status"] for m in listed} == {"delivered"}
    sent_at = {m["date_sent"] for m in listed}
    # Sent 2 s after the send, not when someone looked.
    two_later = before + timedelta(seconds=2)
    assert sent_at == {two_later.strftime("%a, %d %b %Y %H:%M:%S +0000")}
    found = _listed(served, "messages", **{"DateSent>": _stamp(before)})
    assert sorted(m["sid"] for m in found) == sorted(sids)
    assert _listed(served, "messages", **{"DateSent<": _stamp(before)}) == []
    assert served.call("DELETE", f"{P}/Messages/{sids[0]}.json")[0] == 204


def test_calls_ring_answer_and_complete_with_a_duration(served):
    before = served.now().replace(microsecond=0)
    form = {"To": "+14155551234", "From": SENDER, "Url": "https://example.com/t"}
    status, call = served.call("POST", f"{P}/Calls.json", form)
    assert (status, call["status"]) == (201, "queued")
    assert [c["sid"] for c in _listed(served, "calls", Status="queued")] == [
        call["sid"]
    ]
    served.clock(advance=1)
    (ringing,) = _listed(served, "calls", Status="ringing")
    assert ringing["start_time"] and ringing["end_time"] is None
    assert _listed(served, "calls", **{"StartTime>": _stamp(before)}) == [ringing]
    served.clock(advance="70s")  # answered at 4 s, then up to 64 s of talk
    assert _listed(served, "calls", Status="queued") == []
    (done,) = _listed(served, "calls", Status="completed")
    assert 5 <= int(done["duration"]) <= 64 and done["end_time"]
    assert done["price"].startswith("-")
    assert served.call("DELETE", f"{P}/Calls/{call['sid']}.json")[0] == 204


def _service_with_a_number(served: Served) -> str:
    status, service = served.call("POST", "/v1/Services", {"FriendlyName": "Alerts"})
    assert status == 201, service
    numbers = _listed(served, "incoming_phone_numbers")
    path = f"/v1/Services/{service['sid']}/PhoneNumbers"
    assert served.call("POST", path, {"PhoneNumberSid": numbers[0]["sid"]})[0] == 201
    return service["sid"]


def test_a_scheduled_message_is_cancelable_until_its_send_at_then_sent(served):
    service = _service_with_a_number(served)
    send_at = _stamp(served.now() + timedelta(minutes=10))
    form = {
        "To": "+14155551234",
        "MessagingServiceSid": service,
        "Body": "Later",
        "ScheduleType": "fixed",
        "SendAt": send_at,
    }
    kept = served.call("POST", f"{P}/Messages.json", form)[1]
    dropped = served.call("POST", f"{P}/Messages.json", form)[1]
    assert (kept["status"], dropped["status"]) == ("scheduled", "scheduled")
    served.clock(advance="9m")
    path = f"{P}/Messages/{dropped['sid']}.json"
    status, canceled = served.call("POST", path, {"Status": "canceled"})
    assert (status, canceled["status"]) == (200, "canceled")

    served.clock(advance="1m")  # SendAt: the kept one is queued, then sent
    assert served.call("GET", f"{P}/Messages/{kept['sid']}.json")[1]["status"] == (
        "queued"
    )
    served.clock(advance="5s")
    status, sent = served.call("GET", f"{P}/Messages/{kept['sid']}.json")
    assert sent["status"] == "delivered" and sent["date_sent"]
    assert served.call("GET", path)[1]["status"] == "canceled"  # stays so
    late = served.call(
        "POST", f"{P}/Messages/{kept['sid']}.json", {"Status": "canceled"}
    )
    assert (late[0], late[1]["code"]) == (400, 30409)
    form["SendAt"] = _stamp(served.now() + timedelta(seconds=60))
    too_soon = served.call("POST", f"{P}/Messages.json", form)
    assert (too_soon[0], too_soon[1]["code"]) == (400, 35114)


def test_a_service_send_is_accepted_then_queued(served):
    service = _service_with_a_number(served)
    form = {"To": "+14155551234", "MessagingServiceSid": service, "Body": "Hi"}
    status, sent = served.call("POST", f"{P}/Messages.json", form)
    assert (status, sent["status"]) == (201, "accepted")
    served.clock(advance="1s")
    assert served.call("GET", sent["uri"])[1]["status"] == "queued"


def test_emulator_advance_moves_a_served_sandbox(served, run):
    sid = served.sms()["sid"]
    start = served.now()
    result = run("emulator", "advance", "90s", "--state", str(served.state))
    assert result.exit_code == 0, result.output
    assert "(manual clock)" in result.stdout
    assert served.now() - start == timedelta(seconds=90)
    assert served.call("GET", f"{P}/Messages/{sid}.json")[1]["status"] == "delivered"
    refused = run("emulator", "advance", "soon", "--state", str(served.state))
    assert refused.exit_code == 1 and "not a duration" in refused.stderr


def _wait_for(app: App, count: int) -> None:
    """Until the app has had ``count`` requests (delivery is asynchronous)."""
    deadline = time.monotonic() + 15
    while len(app.hits) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_callbacks_are_signed_and_posted_once_per_step(delivering, app):
    first = delivering.sms(StatusCallback=app.url("/first"))["sid"]
    for _ in range(8):  # in small steps, looking in between
        delivering.clock(advance="0.5s")
        delivering.call("GET", f"{P}/Messages/{first}.json")
    _wait_for(app, 2)
    # A later send's callback comes after any stray one for the first.
    delivering.sms(StatusCallback=app.url("/second"))
    delivering.clock(advance="2s")
    _wait_for(app, 3)
    firsts = [hit for hit in app.hits if hit.url.startswith(app.url("/first"))]
    # Nothing for the status it was created with (queued), as at Twilio.
    assert [hit.params["MessageStatus"] for hit in firsts] == ["sent", "delivered"]
    assert app.hits[-1].params["MessageStatus"] == "sent"
    assert all(hit.valid for hit in app.hits)
    assert len(app.hits) == 3


sdk_rest: Callable[..., Any] | None
try:  # the official SDK is not a dependency: its test skips without it
    from twilio.rest import Client as sdk_rest
except ImportError:  # pragma: no cover
    sdk_rest = None


@pytest.mark.skipif(sdk_rest is None, reason="the twilio package is not installed")
def test_the_sdk_sees_time_pass(served):
    sdk = sdk_rest(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    for domain in (sdk.api, sdk.messaging):
        domain.base_url = served.url
    before = served.now().replace(microsecond=0)
    sids = {
        sdk.messages.create(to="+14155551234", from_=SENDER, body=f"n{n}").sid
        for n in range(5)
    }
    assert sdk.messages.list(date_sent_after=before) == []
    served.clock(advance="5s")
    found = sdk.messages.list(date_sent_after=before)
    assert {m.sid for m in found} == sids
    assert {m.status for m in found} == {"delivered"}
    assert sdk.messages(sorted(sids)[0]).delete() is True

    call = sdk.calls.create(to="+14155551234", from_=SENDER, url="https://e.com/t")
    assert [c.sid for c in sdk.calls.list(status="queued")] == [call.sid]
    served.clock(advance="70s")
    assert sdk.calls.list(status="queued") == []
    done = sdk.calls(call.sid).fetch()
    assert done.status == "completed" and int(done.duration) > 0

    service = _service_with_a_number(served)
    later = sdk.messages.create(
        to="+14155551234",
        messaging_service_sid=service,
        body="Later",
        schedule_type="fixed",
        send_at=served.now() + timedelta(minutes=20),
    )
    assert later.status == "scheduled"
    assert sdk.messages(later.sid).update(status="canceled").status == "canceled"


def test_the_in_process_sandbox_on_a_real_clock_is_moved_by_advance(
    run, state_path, monkeypatch
):
    monkeypatch.setenv("TWILIO_IAC_SANDBOX_CLOCK", "real")
    sent = run(*_SMS, "--yes", "--output", "json")
    assert sent.exit_code == 0, sent.output
    sid = json.loads(sent.stdout)["sid"]
    moved = run("emulator", "advance", "5s")
    assert "(real clock)" in moved.stdout
    shown = json.loads(run("status", sid, "--output", "json").stdout)
    assert shown["status"] == "delivered"
    monkeypatch.setenv("TWILIO_IAC_SANDBOX_CLOCK", "later")
    refused = run("status", sid)
    assert refused.exit_code == 1
    assert "TWILIO_IAC_SANDBOX_CLOCK is 'later'" in refused.stderr
