"""The sandbox's signed webhooks: status callbacks and incoming SMS.

A real HTTP server on 127.0.0.1 stands in for the user's app; its handler
checks every X-Twilio-Signature with twilio_iac.webhooks.is_valid.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.webhook_app import App, serving
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS, Emulator
from twilio_iac.emulator.delivery import inbound
from twilio_iac.emulator.delivery.callbacks import Deliverer

SENDER = "+14155550100"  # a seeded sandbox number


@pytest.fixture
def app() -> Iterator[App]:
    with serving() as found:
        yield found


@pytest.fixture
def emulator() -> Emulator:
    """A sandbox whose clock moves only when a test advances it."""
    return Emulator(clock="manual")


@pytest.fixture
def deliverer(emulator: Emulator) -> Iterator[Deliverer]:
    reports: list[str] = []
    found = Deliverer(emulator, report=reports.append, timeout=5)
    yield found
    found.stop()


@pytest.fixture
def client(emulator: Emulator) -> Iterator[TwilioClient]:
    settings = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
    with TwilioClient(settings, app=emulator) as found:
        yield found


def _create(client: TwilioClient, what: str, **params: object) -> dict:
    path = f"/2010-04-01/Accounts/{client.account_sid}/{what}.json"
    return client.create("core", path, params)


def test_message_callbacks_are_signed_and_in_order(app, deliverer, client, emulator):
    sent = _create(
        client, "Messages", To="+14155551234", From=SENDER, Body="Hi",
        StatusCallback=app.url("/status?tenant=7"),
    )  # fmt: skip
    emulator.advance(4)
    assert deliverer.drain()
    # Twilio posts nothing for the status a message is created with (queued).
    assert [hit.params["MessageStatus"] for hit in app.hits] == ["sent", "delivered"]
    assert all(hit.valid and hit.method == "POST" for hit in app.hits)
    last = app.hits[-1].params
    assert last["MessageSid"] == last["SmsSid"] == sent["sid"]
    assert last["AccountSid"] == client.account_sid
    assert (last["From"], last["To"]) == (SENDER, "+14155551234")
    assert "Body" not in last  # status callbacks carry no body


def test_an_undelivered_message_reports_its_error(app, deliverer, client, emulator):
    _create(
        client, "Messages", To="+15005553003", From=SENDER, Body="Hi",
        StatusCallback=app.url("/status"),
    )  # fmt: skip
    emulator.advance(4)
    assert deliverer.drain()
    last = app.hits[-1].params
    assert (last["MessageStatus"], last["ErrorCode"]) == ("undelivered", "30003")


def test_call_progress_events_as_asked(app, deliverer, client, emulator):
    _create(
        client, "Calls", To="+14155551234", From=SENDER, Url="https://e.com/t",
        StatusCallback=app.url("/call"),
        StatusCallbackEvent=["initiated", "ringing", "answered", "completed"],
    )  # fmt: skip
    emulator.advance(70)
    assert deliverer.drain()
    seen = [(h.params["CallStatus"], h.params["SequenceNumber"]) for h in app.hits]
    assert seen == [
        ("initiated", "0"),
        ("ringing", "1"),
        ("in-progress", "2"),
        ("completed", "3"),
    ]
    assert all(hit.valid for hit in app.hits)
    assert int(app.hits[-1].params["CallDuration"]) > 0


def test_calls_report_only_completed_by_default(app, deliverer, client, emulator):
    _create(
        client, "Calls", To="+15005554001", From=SENDER, Url="https://e.com/t",
        StatusCallback=app.url("/call"),
    )  # fmt: skip
    emulator.advance(70)
    assert deliverer.drain()
    assert [hit.params["CallStatus"] for hit in app.hits] == ["busy"]


def test_the_numbers_status_callback_with_get(app, deliverer, client, emulator):
    (number,) = [
        n for n in emulator.records("phone_numbers") if n["phone_number"] == SENDER
    ]
    path = f"/2010-04-01/Accounts/{client.account_sid}/IncomingPhoneNumbers/"
    client.update(
        "core", path + number["sid"] + ".json",
        {"StatusCallback": app.url("/n"), "StatusCallbackMethod": "GET"},
    )  # fmt: skip
    _create(client, "Calls", To="+14155551234", From=SENDER, Url="https://e.com/t")
    emulator.advance(70)
    assert deliverer.drain()
    (hit,) = app.hits
    assert hit.method == "GET" and hit.valid
    assert hit.params["CallStatus"] == "completed"


def test_delivery_does_not_hold_up_the_request(app, deliverer, client):
    app.gate.clear()  # the app hangs until released
    sent = _create(
        client, "Calls", To="+14155551234", From=SENDER, Url="https://e.com/t",
        StatusCallback=app.url("/slow"), StatusCallbackEvent=["initiated"],
    )  # fmt: skip
    assert sent["status"] == "queued"  # answered while the callback waits
    assert app.hits == []
    app.gate.set()
    assert deliverer.drain()
    assert len(app.hits) == 1


def test_remote_hosts_are_refused_without_the_flag(deliverer, client):
    _create(
        client, "Messages", To="+14155551234", From=SENDER, Body="Hi",
        StatusCallback="https://example.com/status",
    )  # fmt: skip
    assert deliverer.drain()
    assert deliverer.sent == []  # and the no-network guard saw no attempt
    reports = deliverer.report.__self__  # the list the fixture collects into
    assert any("Refusing to send a webhook to example.com" in r for r in reports)


def test_sends_without_a_callback_are_left_alone(app, deliverer, client, emulator):
    sent = _create(client, "Messages", To="+14155551234", From=SENDER, Body="Hi")
    assert deliverer.drain()
    assert app.hits == []
    (message,) = [m for m in emulator.records("messages") if m["sid"] == sent["sid"]]
    assert message["status"] == "queued"  # the clock did not move


def test_allowing_remote_hosts_tries_them(emulator, client):
    reports: list[str] = []
    remote = Deliverer(emulator, allow_remote=True, report=reports.append)
    try:
        # An address literal: no DNS; the tests' network guard stops the connect.
        _create(
            client, "Messages", To="+14155551234", From=SENDER, Body="Hi",
            StatusCallback="http://192.0.2.10/status",
        )  # fmt: skip
        emulator.advance(4)
        assert remote.drain()
    finally:
        remote.stop()
    assert [status for _, _, status in remote.sent] == [None, None]
    assert "tests must not use the network" in reports[0]


def test_a_subaccounts_webhooks_are_signed_with_its_own_token(
    app, deliverer, client, emulator
):
    """Twilio signs with the token of the account that owns the number or
    the send, not with the parent's."""
    sub = client.create("core", "/2010-04-01/Accounts.json", {"FriendlyName": "s"})
    app.token = sub["auth_token"]
    S = f"/2010-04-01/Accounts/{sub['sid']}"
    number = client.create(
        "core",
        f"{S}/IncomingPhoneNumbers.json",
        {"AreaCode": "415", "SmsUrl": app.url("/sms")},
    )
    client.create(
        "core",
        f"{S}/Messages.json",
        {"To": "+14155551234", "From": number["phone_number"], "Body": "Hi",
         "StatusCallback": app.url("/status")},
    )  # fmt: skip
    emulator.advance(10)  # the sandbox's clock: sent, then delivered
    assert deliverer.drain()
    inbound.sms(emulator, number["phone_number"], "+15551230000", "Hello")
    assert [hit.url.rsplit("/", 1)[1] for hit in app.hits] == ["status"] * 2 + ["sms"]
    assert all(hit.valid for hit in app.hits)
    assert {hit.params["AccountSid"] for hit in app.hits} == {sub["sid"]}


def test_each_step_is_posted_once_however_time_is_moved(
    app, deliverer, client, emulator
):
    _create(
        client, "Messages", To="+14155551234", From=SENDER, Body="Hi",
        StatusCallback=app.url("/status"),
    )  # fmt: skip
    for seconds in (0.5, 0.5, 0.5, 0.5, 2, 60):
        emulator.advance(seconds)
        assert deliverer.drain()
    statuses = [hit.params["MessageStatus"] for hit in app.hits]
    assert statuses == ["sent", "delivered"]


def test_processes_sharing_a_state_file_post_each_step_once(app, tmp_path):
    path = tmp_path / "sandbox.db"
    one, two = Emulator(path, clock="manual"), Emulator(path)
    deliverers = [Deliverer(e, report=lambda _: None, timeout=5) for e in (one, two)]
    settings = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
    try:
        with TwilioClient(settings, app=one) as client:
            _create(
                client, "Calls", To="+14155551234", From=SENDER, Url="https://e.com/t",
                StatusCallback=app.url("/call"),
                StatusCallbackEvent=["initiated", "ringing", "answered", "completed"],
            )  # fmt: skip
        for _ in range(8):
            two.advance(10)  # the other process moves time; both look
            assert all(found.drain() for found in deliverers)
    finally:
        for found in deliverers:
            found.stop()
        one.close()
        two.close()
    seen = [hit.params["CallStatus"] for hit in app.hits]
    assert seen == ["initiated", "ringing", "in-progress", "completed"]
    assert sum(len(found.sent) for found in deliverers) == 4


def test_a_service_send_reports_queued_and_a_canceled_one_canceled(
    app, deliverer, client, emulator
):
    service = client.create("messaging", "/v1/Services", {"FriendlyName": "A"})
    (number,) = [
        n for n in emulator.records("phone_numbers") if n["phone_number"] == SENDER
    ]
    pool = f"/v1/Services/{service['sid']}/PhoneNumbers"
    client.create("messaging", pool, {"PhoneNumberSid": number["sid"]})
    common = {"To": "+14155551234", "MessagingServiceSid": service["sid"]}
    now = emulator.now()
    later = (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    scheduled = _create(
        client, "Messages", **common, Body="Later", ScheduleType="fixed",
        SendAt=later, StatusCallback=app.url("/later"),
    )  # fmt: skip
    _create(client, "Messages", **common, Body="Now", StatusCallback=app.url("/now"))
    emulator.advance(10)
    client.update("core", scheduled["uri"], {"Status": "canceled"})
    emulator.advance(7200)
    assert deliverer.drain()
    seen = [(hit.url.split("/")[3], hit.params["MessageStatus"]) for hit in app.hits]
    assert seen == [
        ("now", "queued"),
        ("now", "sent"),
        ("now", "delivered"),
        ("later", "canceled"),
    ]
