"""send sms|call, status and verify through the CLI against the sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from twilio_iac.cli import context
from twilio_iac.cli import sends as cli_sends
from twilio_iac.operations.delivery import Poller

SMS = ("send", "sms", "--to", "+14155551234", "--from", "+14155550100")


class FakeTime:
    """A clock that moves only when the poller sleeps, and moves the
    sandbox's clock with it."""

    def __init__(self, advance: Callable[[float], None]) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.advance = advance

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.advance(seconds)


@pytest.fixture(autouse=True)
def fake_time(monkeypatch: pytest.MonkeyPatch, advance) -> FakeTime:
    fake = FakeTime(advance)
    monkeypatch.setattr(cli_sends, "POLLER", Poller(fake.sleep, lambda: fake.now))
    return fake


def test_sms_with_wait_is_delivered(run, sandbox, fake_time):
    result = run(*SMS, "--body", "Hello", "--yes", "--wait")
    assert result.exit_code == 0, result.output
    assert "Encoding: GSM-7, 1 segment" in result.stdout
    assert (
        ": queued; waiting for a final status\n  … sending\n  … sent\n  … delivered\n"
    ) in result.stdout
    assert "price: -0.00790 USD" in result.stdout
    (message,) = sandbox().records("messages")
    assert message["status"] == "delivered" and message["date_sent"]
    assert message["body"] == "Hello"
    assert fake_time.sleeps  # it polled, on the fake clock


def test_emoji_turns_the_body_into_ucs2_segments(run):
    body = "Your table is ready, see you soon! " * 2 + "🎉"
    result = run(*SMS, "--body", body, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Encoding: UCS-2, 2 segments" in result.stdout


def test_dry_run_sends_nothing(run, sandbox):
    result = run(*SMS, "--body", "Hi", "--dry-run", "--output", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["dry_run"] is True
    assert data["request"]["params"] == {
        "To": "+14155551234",
        "From": "+14155550100",
        "Body": "Hi",
    }
    assert data["encoding"] == "GSM-7"
    assert sandbox().records("messages") == []


def test_without_yes_and_without_a_terminal_it_refuses(run, sandbox):
    result = run(*SMS, "--body", "Hi")
    assert result.exit_code == 1
    assert "Refusing to send the message without confirmation" in result.stderr
    assert "Body=Hi" in result.stdout
    assert sandbox().records("messages") == []


def test_confirmation_on_a_terminal(run, sandbox, monkeypatch):
    monkeypatch.setattr(context, "stdin_is_terminal", lambda: True)
    result = run(*SMS, "--body", "Hi", input="yes\n")
    assert result.exit_code == 0, result.output
    assert "Send this message?" in result.stdout
    assert len(sandbox().records("messages")) == 1


def test_request_shows_no_credentials(run):
    result = run(*SMS, "--body", "Hi", "--dry-run")
    assert "70c3e45a" not in result.output
    assert "Authorization" not in result.output


@pytest.mark.parametrize(
    ("to", "code", "meaning"),
    [
        ("+15005550001", 21211, "not a valid phone number"),
        ("+15005550002", 21612, "cannot route"),
        ("+15005550003", 21408, "no permission to send SMS"),
        ("+15005550004", 21610, "opted out"),
        ("+15005550009", 21614, "not a mobile number"),
    ],
)
def test_magic_numbers_are_refused_with_their_meaning(run, sandbox, to, code, meaning):
    result = run(
        "send", "sms", "--to", to, "--from", "+15005550006", "--body", "x", "--yes"
    )
    assert result.exit_code == 1
    assert f"Twilio error {code}" in result.stderr
    assert meaning in result.stderr
    assert f"https://www.twilio.com/docs/errors/{code}" in result.stderr
    assert sandbox().records("messages") == []


@pytest.mark.parametrize(
    ("to", "status", "code"),
    [
        ("+15005553003", "undelivered", 30003),
        ("+15005553005", "undelivered", 30005),
        ("+15005553006", "undelivered", 30006),
        ("+15005553007", "undelivered", 30007),
    ],
)
def test_delivery_failures_exit_non_zero(run, to, status, code):
    args = ("send", "sms", "--to", to, "--from", "+14155550100", "--body", "x")
    result = run(*args, "--yes", "--wait")
    assert result.exit_code == 1
    assert "Message SM" in result.stdout and f": {status}" in result.stdout
    assert f"error {code}:" in result.stdout
    assert f"https://www.twilio.com/docs/errors/{code}" in result.stdout
    assert f"The message failed: {status}, Twilio error {code}." in result.stderr


def test_sender_not_owned_is_21606(run):
    args = ("send", "sms", "--to", "+14155551234", "--from", "+14155559999")
    result = run(*args, "--body", "x", "--yes")
    assert result.exit_code == 1
    assert "Twilio error 21606" in result.stderr


def test_offline_validation_lists_every_problem(run, sandbox):
    result = run(
        "send",
        "sms",
        "--to",
        "4155551234",
        "--from",
        "+14155550100",
        "--messaging-service",
        "MG123",
        "--media-url",
        "ftp://x/y.png",
        "--status-callback",
        "/relative",
    )
    assert result.exit_code == 1
    for problem in (
        "--to '4155551234' is not a phone number",
        "give exactly one sender",
        "--media-url 'ftp://x/y.png' is not an absolute http(s) URL",
        "--status-callback '/relative' is not an absolute http(s) URL",
    ):
        assert problem in result.stderr
    assert "nothing was sent to Twilio" in result.stderr


def test_body_over_1600_characters_is_refused(run):
    result = run(*SMS, "--body", "x" * 1601, "--yes")
    assert result.exit_code == 1
    assert "the body is 1601 characters; the limit is 1600" in result.stderr


def test_body_from_stdin_mms_and_whatsapp(run, sandbox):
    result = run(*SMS, "--body", "-", "--yes", input="from stdin\n")
    assert result.exit_code == 0, result.output
    mms = run(*SMS, "--media-url", "https://example.com/cat.png", "--yes")
    assert mms.exit_code == 0, mms.output
    assert "Channel: MMS" in mms.stdout
    whatsapp = run(
        "send",
        "sms",
        "--to",
        "whatsapp:+14155551234",
        "--from",
        "whatsapp:+14155550100",
        "--body",
        "hi",
        "--yes",
    )
    assert whatsapp.exit_code == 0, whatsapp.output
    bodies = [(m["sid"][:2], m["body"]) for m in sandbox().records("messages")]
    assert bodies == [("SM", "from stdin"), ("MM", None), ("SM", "hi")]


def test_from_by_manifest_name(run, write, sandbox):
    path = write(
        "numbers.yaml",
        """
        phone_numbers:
          - phone_number: "+14155550101"
            friendly_name: Support line
        """,
    )
    result = run(
        *SMS[:4], "--from", "Support line", "-f", str(path), "--body", "x", "--yes"
    )
    assert result.exit_code == 0, result.output
    assert sandbox().records("messages")[0]["from"] == "+14155550101"
    unknown = run(*SMS[:4], "--from", "Sales", "-f", str(path), "--body", "x", "--yes")
    assert unknown.exit_code == 1
    assert "--from 'Sales' is neither a phone number" in unknown.stderr


def test_from_by_live_friendly_name(run, write, sandbox):
    path = write(
        "numbers.yaml",
        """
        phone_numbers:
          - phone_number: "+14155550101"
            friendly_name: Support line
          - phone_number: "+14155550102"
            friendly_name: Support line 2
        """,
    )
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    sms = run(*SMS[:4], "--from", "Support line", "--body", "x", "--yes")
    assert sms.exit_code == 0, sms.output
    assert "From=+14155550101" in sms.stdout
    call = run("send", "call", "--to", "+14155551234", "--from", "Support line 2",
               "--url", "https://example.com/call", "--yes")  # fmt: skip
    assert call.exit_code == 0, call.output
    assert sandbox().records("calls")[0]["from"] == "+14155550102"
    whatsapp = run("send", "whatsapp", "--to", "+14155551234", "--from",
                   "Support line", "--body", "hi", "--yes")  # fmt: skip
    assert whatsapp.exit_code == 0, whatsapp.output
    assert "From=whatsapp:+14155550101" in whatsapp.stdout
    typo = run(*SMS[:4], "--from", "Suport line", "--body", "x", "--yes")
    assert typo.exit_code == 1
    assert "no number of the account has it; did you mean Support line?" in (
        typo.stderr
    )
    assert len(sandbox().records("messages")) == 2


def test_ambiguous_failure_is_not_resent(run, sandbox):
    emulator = sandbox()
    emulator.add_fault("POST", r"/Messages\.json$", 500, 20500, "Internal error")
    emulator.save()
    result = run(*SMS, "--body", "Hi", "--yes")
    assert result.exit_code == 1
    assert "It may already have gone out, so it was NOT sent again" in result.stderr
    assert "twilio-iac status SM…/MM…" in result.stderr
    after = sandbox()
    # A resend would have found no fault left and created the message.
    assert after.records("messages") == []
    assert after.store.state["faults"] == []


def test_status_of_a_message_and_a_call(run, sandbox, advance):
    sent = run(*SMS, "--body", "Hi", "--yes", "--output", "json")
    sid = json.loads(sent.stdout)["sid"]
    shown = run("status", sid)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith(f"Message {sid}: queued")
    assert run("status", sid).stdout.startswith(f"Message {sid}: queued")
    advance(1)  # time moves the status on, not looking at it
    assert run("status", sid).stdout.startswith(f"Message {sid}: sending")
    call = run(
        "send",
        "call",
        "--to",
        "+14155551234",
        "--from",
        "+14155550100",
        "--url",
        "https://example.com/twiml",
        "--yes",
        "--output",
        "json",
    )
    call_sid = json.loads(call.stdout)["sid"]
    advance(1)
    data = json.loads(run("status", call_sid, "--output", "json").stdout)
    assert (data["kind"], data["status"]) == ("call", "ringing")
    bad = run("status", "XX123")
    assert bad.exit_code == 1
    assert "is not a message (SM…, MM…) or call (CA…) SID" in bad.stderr


@pytest.mark.parametrize(
    ("to", "final", "code"),
    [
        ("+14155551234", "completed", 0),
        ("+15005554001", "busy", 1),
        ("+15005554002", "no-answer", 1),
        ("+15005554003", "failed", 1),
    ],
)
def test_call_with_wait(run, to, final, code):
    result = run(
        "send",
        "call",
        "--to",
        to,
        "--from",
        "+14155550100",
        "--twiml",
        "<Response><Say>Hi</Say></Response>",
        "--timeout",
        "20",
        "--record",
        "--yes",
        "--wait",
    )
    assert result.exit_code == code, result.output
    assert f": {final}\n" in result.stdout


def test_call_magic_numbers_and_application_by_name(run, write, sandbox):
    refused = run(
        "send",
        "call",
        "--to",
        "+15005550002",
        "--from",
        "+15005550006",
        "--url",
        "https://example.com/t",
        "--yes",
    )
    assert refused.exit_code == 1
    assert "Twilio error 21214" in refused.stderr
    path = write(
        "apps.yaml",
        """
        applications:
          - friendly_name: ivr-main
            voice_url: https://example.com/voice
        """,
    )
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    placed = run(
        "send",
        "call",
        "--to",
        "+14155551234",
        "--from",
        "+14155550100",
        "--application",
        "ivr-main",
        "-f",
        str(path),
        "--yes",
    )
    assert placed.exit_code == 0, placed.output
    (app,) = sandbox().records("applications")
    assert f"ApplicationSid={app['sid']}" in placed.stdout


def test_wait_timeout_exits_non_zero(run, fake_time, monkeypatch):
    # A poller that never gets more than one fetch in before the deadline.
    monkeypatch.setattr(
        cli_sends, "POLLER", Poller(fake_time.sleep, lambda: fake_time.now, (5,))
    )
    result = run(*SMS, "--body", "Hi", "--yes", "--wait", "--wait-timeout", "4")
    assert result.exit_code == 1
    assert "is still queued after 4 s" in result.stderr
    assert "twilio-iac --sandbox status SM" in result.stderr


VERIFY = """
    verify_services:
      - friendly_name: Example Login
"""


def test_verify_start_and_check(run, write, sandbox):
    path = write("verify.yaml", VERIFY)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    started = run(
        "verify",
        "start",
        "--service",
        "Example Login",
        "--to",
        "+14155551234",
        "-f",
        str(path),
        "--yes",
    )
    assert started.exit_code == 0, started.output
    assert ": pending (sms to +14155551234)" in started.stdout
    assert "the sandbox accepts 123456" in started.stdout
    check = ("verify", "check", "--service", "Example Login", "--to", "+14155551234")
    wrong = run(*check, "--code", "000000", "--yes")
    assert wrong.exit_code == 1
    assert "not approved (status: pending)" in wrong.stderr
    right = run(*check, "--code", "123456", "--yes", "--output", "json")
    assert right.exit_code == 0, right.output
    assert json.loads(right.stdout)["status"] == "approved"
    (record,) = sandbox().records("verifications")
    assert record["status"] == "approved"


def test_verify_dry_run_and_unknown_service(run, sandbox):
    missing = run(
        "verify", "start", "--service", "Nope", "--to", "+14155551234", "--yes"
    )
    assert missing.exit_code == 1
    assert "must name exactly one live Verify service" in missing.stderr
    bad = run("verify", "start", "--service", "VA" + "0" * 32, "--to", "nobody")
    assert bad.exit_code == 1
    assert "--to 'nobody' is not a phone number" in bad.stderr
    dry = run(
        "verify",
        "start",
        "--service",
        "VA" + "0" * 32,
        "--to",
        "+14155551234",
        "--dry-run",
    )
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing was sent." in dry.stdout


def test_status_of_a_bad_sid_speaks_of_a_look_up(run):
    bad = run("status", "XX123")
    assert bad.exit_code == 1
    assert bad.stderr.startswith(
        "Error: Cannot look this up; nothing was sent to Twilio:"
    )
    assert "Not sent" not in bad.stderr


def test_json_counts_are_numbers(run):
    media = (
        "--media-url",
        "https://example.com/a.png",
        "--media-url",
        "https://example.com/b.png",
    )
    sent = run(*SMS, "--body", "Hi", *media, "--yes", "--output", "json")
    assert sent.exit_code == 0, sent.output
    message = json.loads(sent.stdout)
    assert (message["num_segments"], message["num_media"]) == (1, 2)
    shown = json.loads(run("status", message["sid"], "--output", "json").stdout)
    assert (shown["num_segments"], shown["num_media"]) == (1, 2)
    assert "segments: 1, 2 media" in run("status", message["sid"]).stdout
    call = ("send", "call", "--to", "+14155551234", "--from", "+14155550100")
    placed = run(
        *call, "--url", "https://example.com/t", "--yes", "--wait", "--output", "json"
    )
    data = json.loads(placed.stdout)
    assert data["status"] == "completed"
    assert isinstance(data["duration"], int) and data["duration"] > 0
    assert data["price"].startswith("-")  # prices stay exact decimal strings


def test_verify_json_and_a_refused_check(run, write):
    path = write("verify.yaml", VERIFY)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    target = ("--service", "Example Login", "--to", "+14155551234", "-f", str(path))
    started = run("verify", "start", *target, "--yes", "--output", "json")
    assert started.exit_code == 0, started.output
    data = json.loads(started.stdout)
    assert (data["status"], data["valid"], data["channel"]) == ("pending", False, "sms")
    assert "Request: POST" in started.stderr  # stdout stays JSON
    wrong = run(
        "verify", "check", *target, "--code", "000000", "--yes", "--output", "json"
    )
    assert wrong.exit_code == 1
    assert json.loads(wrong.stdout)["valid"] is False
    assert "not approved (status: pending)" in wrong.stderr
    dry = run(
        "verify", "check", *target, "--code", "123456", "--dry-run", "--output", "json"
    )
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["request"]["params"] == {
        "To": "+14155551234",
        "Code": "123456",
    }


def test_send_call_dry_run_checks_offline_first(run, sandbox):
    call = ("send", "call", "--to", "+14155551234", "--from", "+14155550100")
    both = run(*call, "--url", "https://example.com/t", "--application", "x", "--yes")
    assert both.exit_code == 1
    assert "give exactly one of --url, --twiml or --application" in both.stderr
    dry = run(*call, "--twiml", "<Response/>", "--dry-run", "--output", "json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["request"]["params"]["Twiml"] == "<Response/>"
    assert sandbox().records("calls") == []


def test_check_without_a_pending_verification_says_so(run, sandbox):
    from twilio_iac.api.client import TwilioClient
    from twilio_iac.api.settings import Settings
    from twilio_iac.emulator import SANDBOX_CREDENTIALS

    emulator = sandbox()
    with TwilioClient(
        Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS), app=emulator
    ) as client:
        sid = client.create("verify", "/v2/Services", {"FriendlyName": "Login"})["sid"]
    emulator.save()
    result = run(
        "verify",
        "check",
        "--service",
        sid,
        "--to",
        "+14155559876",
        "--code",
        "123456",
        "--yes",
    )
    assert result.exit_code == 1
    assert "20404" in result.stderr
    assert "no pending verification for this number" in result.stderr


NOTICE = "Reading the message body from standard input; end with Ctrl-D."


def test_body_from_a_terminal_says_how_to_end_it(run, sandbox, monkeypatch):
    monkeypatch.setattr(context, "stdin_is_terminal", lambda: True)
    result = run(*SMS, "--body", "-", "--yes", input="typed\n")
    assert result.exit_code == 0, result.output
    assert NOTICE in result.stderr
    assert "  Body=typed\n" in result.stdout


def test_piped_body_is_read_silently(run, sandbox):
    result = run(*SMS, "--body", "-", "--yes", input="piped\n")
    assert result.exit_code == 0, result.output
    assert "standard input" not in result.stderr


@pytest.mark.parametrize(
    ("sid", "what"), [("SM" + "0" * 32, "message"), ("CA" + "0" * 32, "call")]
)
def test_status_of_a_missing_sid_says_what_it_means(run, sandbox, sid, what):
    sandbox()  # the state exists: only the 404 is on stderr
    result = run("status", sid)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: No {what} {sid} in account AC5a4db0c05a4db0c05a4db0c05a4db0c0 "
        f"(Twilio answered HTTP 404): it was deleted, or the {what} belongs to "
        "another account (use --account-sid for a subaccount's).\n"
    )


def _interrupt(_seconds: float) -> None:
    raise KeyboardInterrupt


def test_ctrl_c_while_waiting_for_a_call_says_it_is_still_live(run, monkeypatch):
    monkeypatch.setattr(cli_sends, "POLLER", Poller(_interrupt, lambda: 0.0))
    call = ("send", "call", "--to", "+14155551234", "--from", "+14155550100")
    result = run(*call, "--twiml", "<Response/>", "--yes", "--wait")
    assert result.exit_code == 1
    sid = json.loads(run("calls", "list", "--output", "json").stdout)[0]["sid"]
    assert "Interrupted" not in result.stderr
    assert f"the call {sid} is still in progress" in result.stderr
    assert f"`twilio-iac --sandbox status {sid}`" in result.stderr
    assert f"`twilio-iac --sandbox calls update {sid} --hangup`" in result.stderr


def test_ctrl_c_while_waiting_for_a_message_says_it_was_sent(run, monkeypatch):
    monkeypatch.setattr(cli_sends, "POLLER", Poller(_interrupt, lambda: 0.0))
    result = run(*SMS, "--body", "Hi", "--yes", "--wait")
    assert result.exit_code == 1
    sid = json.loads(run("messages", "list", "--output", "json").stdout)[0]["sid"]
    assert f"the message {sid} was sent" in result.stderr
    assert f"`twilio-iac --sandbox status {sid}`" in result.stderr


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_a_mistyped_messaging_service_name_gets_a_suggestion(run):
    declared = run(
        *SMS[:4], "--messaging-service", "Alertz", "--body", "hi",
        "-f", str(EXAMPLES / "messaging"), "--yes",
    )  # fmt: skip
    assert declared.exit_code == 1
    assert "no Messaging Service of that name is declared in" in declared.stderr
    assert "; did you mean Alerts?" in declared.stderr
    assert run("apply", str(EXAMPLES / "messaging"), "--auto-approve").exit_code == 0
    live = run(*SMS[:4], "--messaging-service", "alert", "--body", "hi", "--yes")
    assert live.exit_code == 1
    assert "(found none); give its SID instead; did you mean Alerts?" in live.stderr


def test_a_mistyped_sender_name_gets_a_suggestion(run):
    result = run(
        *SMS[:4], "--from", "Alerts lin", "--body", "hi",
        "-f", str(EXAMPLES / "messaging"), "--yes",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "; did you mean Alerts line?" in result.stderr
