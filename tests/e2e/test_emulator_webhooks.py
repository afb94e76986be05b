"""`emulator inbound sms` and `emulator serve --deliver-webhooks`, as a user
runs them, against a webhook app on 127.0.0.1 that checks every signature."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.webhook_app import App, serving
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Emulator

NUMBER = "+14155550100"  # a seeded sandbox number
INBOUND = ("emulator", "inbound", "sms", "--to", NUMBER, "--from", "+15551230000")


@pytest.fixture
def app() -> Iterator[App]:
    with serving() as found:
        yield found


def configure(state_path: Path, **fields: str) -> None:
    """Set fields on the sandbox number, as `apply` would."""
    sandbox = Emulator(state_path=state_path)
    for number in sandbox.store.records("phone_numbers").values():
        if number["phone_number"] == NUMBER:
            number.update(fields)
    sandbox.save()


def test_inbound_sms_prints_the_twiml_and_is_signed(run, state_path, app):
    configure(state_path, sms_url=app.url("/sms?site=1"))
    result = run(*INBOUND, "--body", "Hello there")
    assert result.exit_code == 0, result.output
    assert result.stdout == "<Response><Message>Got it</Message></Response>\n"
    assert f"POST {app.url('/sms?site=1')} → HTTP 200" in result.stderr
    (hit,) = app.hits
    assert hit.valid
    assert hit.params["Body"] == "Hello there"
    assert hit.params["From"] == "+15551230000"
    assert hit.params["To"] == NUMBER
    assert hit.params["AccountSid"] == SANDBOX_ACCOUNT_SID
    assert hit.params["MessageSid"].startswith("SM")
    assert (hit.params["NumMedia"], hit.params["SmsStatus"]) == ("0", "received")


def test_inbound_body_typed_at_a_terminal_says_how_to_end_it(
    run, state_path, app, monkeypatch
):
    from twilio_iac.cli import context

    monkeypatch.setattr(context, "stdin_is_terminal", lambda: True)
    configure(state_path, sms_url=app.url("/sms"))
    result = run(*INBOUND, "--body", "-", input="typed\n")
    assert result.exit_code == 0, result.output
    assert "Reading the message body from standard input" in result.stderr
    assert app.hits[0].params["Body"] == "typed"


def test_the_application_wins_over_the_numbers_url(run, state_path, app):
    sandbox = Emulator(state_path=state_path)
    application = sandbox.insert("applications", sms_url=app.url("/app-sms"))
    sandbox.save()
    configure(
        state_path,
        sms_url=app.url("/number-sms"),
        sms_application_sid=application["sid"],
    )
    result = run(*INBOUND, "--body", "Hi", "--output", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["url"] == app.url("/app-sms")
    assert data["twiml"].startswith("<Response>")
    assert [hit.url for hit in app.hits] == [app.url("/app-sms")]


def test_an_app_error_is_twilios_11200(run, state_path, app):
    configure(state_path, sms_url=app.url("/sms"))
    app.status = 500
    result = run(*INBOUND, "--body", "Hi")
    assert result.exit_code == 1
    assert "Twilio error 11200" in result.stderr
    assert "HTTP 500" in result.stderr


def test_a_number_without_sms_url_says_what_to_set(run):
    result = run(*INBOUND, "--body", "Hi")
    assert result.exit_code == 1
    assert "has no sms_url" in result.stderr


def test_remote_hosts_are_refused_without_the_flag(run, state_path):
    configure(state_path, sms_url="https://example.com/sms")
    result = run(*INBOUND, "--body", "Hi")
    assert result.exit_code == 1
    assert "Refusing to send a webhook to example.com" in result.stderr
    assert "--allow-remote-webhooks" in result.stderr


def test_the_flag_allows_remote_hosts(run, state_path):
    # An address literal: no DNS; the tests' network guard stops the connect.
    configure(state_path, sms_url="http://192.0.2.10/sms")
    result = run(*INBOUND, "--body", "Hi", "--allow-remote-webhooks")
    assert result.exit_code == 1
    assert "Refusing" not in result.stderr
    assert "did not answer" in result.stderr


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`twilio-iac emulator serve --deliver-webhooks` in its own process."""
    process = subprocess.Popen(
        [sys.executable, "-m", "twilio_iac", "emulator", "serve", "--port", "0",
         "--state", str(tmp_path / "served.json"), "--deliver-webhooks",
         "--clock", "manual"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert "listening on http://127.0.0.1:" in line, line
        yield line.split()[4]
    finally:
        process.terminate()
        process.communicate(timeout=10)  # also closes the pipes


def test_serve_delivers_signed_status_callbacks(served, app):
    auth = base64.b64encode(f"{SANDBOX_ACCOUNT_SID}:{SANDBOX_AUTH_TOKEN}".encode())
    form = {
        "To": "+14155551234",
        "From": NUMBER,
        "Body": "Hi",
        "StatusCallback": app.url("/status"),
    }
    request = urllib.request.Request(
        f"{served}/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages.json",
        data=urlencode(form).encode(),
        headers={"Authorization": f"Basic {auth.decode()}"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert json.load(reply)["status"] == "queued"
    advance = urllib.request.Request(
        f"{served}/_emulator/clock",
        data=json.dumps({"advance": "4s"}).encode(),
        headers={
            "Authorization": f"Basic {auth.decode()}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(advance, timeout=10) as reply:
        assert json.load(reply)["mode"] == "manual"
    deadline = time.monotonic() + 15
    while len(app.hits) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [hit.params["MessageStatus"] for hit in app.hits] == ["sent", "delivered"]
    assert all(hit.valid for hit in app.hits)


def test_a_reply_that_is_not_twiml_is_12100(run, state_path, app):
    configure(state_path, sms_url=app.url("/sms"))
    app.reply = "<html><body>oops</body>"
    result = run(*INBOUND, "--body", "Hi")
    assert result.exit_code == 1
    assert "Twilio error 12100" in result.stderr


def _service(run, write, app, service: str) -> None:
    """Apply the seeded number with its own sms_url, in a Messaging Service."""
    path = write(
        "twilio.yaml",
        f"""
        phone_numbers:
          - phone_number: "{NUMBER}"
            friendly_name: Front desk
            sms_url: {app.url("/number-sms")}
        messaging_services:
          - friendly_name: Alerts
        {service}
            senders:
              phone_numbers: [Front desk]
        """,
    )
    result = run("apply", str(path), "--auto-approve")
    assert result.exit_code == 0, result.output


def test_a_service_number_goes_to_the_services_inbound_url(run, write, app):
    _service(
        run, write, app,
        f"    inbound_request_url: {app.url('/service-sms')}\n"
        "            inbound_method: GET",
    )  # fmt: skip
    result = run(*INBOUND, "--body", "Hi", "--output", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["url"], data["method"]) == (app.url("/service-sms"), "GET")
    (hit,) = app.hits
    assert hit.url.startswith(app.url("/service-sms")) and hit.valid


def test_use_inbound_webhook_on_number_keeps_the_numbers_url(run, write, app):
    _service(
        run, write, app,
        f"    inbound_request_url: {app.url('/service-sms')}\n"
        "            use_inbound_webhook_on_number: true",
    )  # fmt: skip
    result = run(*INBOUND, "--body", "Hi", "--output", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["url"] == app.url("/number-sms")


def test_a_service_without_inbound_url_receives_nothing(run, write, app):
    _service(run, write, app, "    sticky_sender: true")
    result = run(*INBOUND, "--body", "Hi")
    assert result.exit_code == 1
    assert "Messaging Service Alerts, which has no inbound_request_url" in (
        result.stderr
    )
    assert app.hits == []


def test_the_services_fallback_url_when_its_inbound_url_fails(run, write, app):
    _service(
        run, write, app,
        "    inbound_request_url: http://127.0.0.1:9/down\n"
        f"            fallback_url: {app.url('/fallback')}",
    )  # fmt: skip
    result = run(*INBOUND, "--body", "Hi")
    assert result.exit_code == 0, result.output
    assert "POST http://127.0.0.1:9/down → " in result.stderr
    assert "the service's fallback_url" in result.stderr
    assert f"POST {app.url('/fallback')} → HTTP 200" in result.stderr
    assert [hit.url for hit in app.hits] == [app.url("/fallback")]
