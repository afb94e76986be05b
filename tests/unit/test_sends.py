"""sends.create through TwilioClient: a 429 is retried, an ambiguous failure never."""

from __future__ import annotations

import httpx
import pytest

from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_CREDENTIALS, Emulator
from twilio_iac.errors import SendRejected, SendUnconfirmed
from twilio_iac.operations import delivery, sends, shapes

SETTINGS = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
REQUEST = sends.sms(
    SANDBOX_ACCOUNT_SID,
    to="+14155551234",
    sender="+14155550100",
    service=None,
    body="Hi",
)


def client(emulator: Emulator) -> TwilioClient:
    return TwilioClient(SETTINGS, app=emulator, sleep=lambda _: None)


def test_a_429_is_retried_and_the_message_goes_out_once() -> None:
    emulator = Emulator()
    emulator.add_fault("POST", r"/Messages\.json$", 429, 20429, "Too Many Requests")
    with client(emulator) as http:
        created = sends.create(http, REQUEST)
    assert [m["sid"] for m in emulator.records("messages")] == [created["sid"]]
    posts = [r for r in emulator.request_log if r[0] == "POST"]
    assert len(posts) == 2


@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_is_not_resent(status: int) -> None:
    emulator = Emulator()
    emulator.add_fault("POST", r"/Messages\.json$", status, 20500, "oops")
    with client(emulator) as http, pytest.raises(SendUnconfirmed, match="NOT sent"):
        sends.create(http, REQUEST)
    assert [r for r in emulator.request_log if r[0] == "POST"] == [
        ("POST", REQUEST.path)
    ]


def test_a_read_timeout_is_not_resent() -> None:
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    http = TwilioClient(
        SETTINGS, transport=httpx.MockTransport(handler), sleep=lambda _: None
    )
    with http, pytest.raises(SendUnconfirmed, match="may already have gone out"):
        sends.create(http, REQUEST)
    assert len(attempts) == 1


def test_a_connect_error_is_resent_because_nothing_left() -> None:
    attempts = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(201, json={"sid": "SM" + "0" * 32, "status": "queued"})

    http = TwilioClient(
        SETTINGS, transport=httpx.MockTransport(handler), sleep=lambda _: None
    )
    with http:
        assert sends.create(http, REQUEST)["status"] == "queued"
    assert len(attempts) == 2


def test_call_needs_exactly_one_twiml_source() -> None:
    with pytest.raises(SendRejected, match="exactly one of --url, --twiml"):
        sends.call("AC", to="+14155551234", sender="+14155550100")
    with pytest.raises(SendRejected, match="between 1 and 600"):
        sends.call(
            "AC",
            to="+14155551234",
            sender="+14155550100",
            url="https://x.io/t",
            timeout=601,
        )


def test_whatsapp_needs_both_ends() -> None:
    with pytest.raises(SendRejected, match="both be whatsapp"):
        sends.sms(
            "AC",
            to="whatsapp:+14155551234",
            sender="+14155550100",
            service=None,
            body="x",
        )


def test_the_one_shape_turns_twilio_count_strings_into_numbers() -> None:
    message = {"sid": "SM1", "status": "sent", "num_segments": "3", "num_media": "0"}
    data = shapes.shape("message", message)
    assert (data["num_segments"], data["num_media"]) == (3, 0)
    assert data["kind"] == "message" and data["final"] is False
    call = shapes.shape("call", {"sid": "CA1", "status": "completed", "duration": None})
    assert call["duration"] is None and call["final"] is True
    assert delivery.describe(data)[-1] == "  segments: 3"


def test_a_look_up_refusal_does_not_speak_of_sending() -> None:
    with pytest.raises(SendRejected, match="^Cannot look this up; nothing was sent"):
        delivery.resource_path("AC1", "XX123")


def test_sms_lists_every_problem_at_once() -> None:
    with pytest.raises(SendRejected) as caught:
        sends.sms(
            "AC1",
            to="nope",
            sender=None,
            service=None,
            body=None,
            media=("ftp://x",),
            status_callback="/relative",
        )
    assert caught.value.problems == [
        "--to 'nope' is not a phone number in E.164 (+14155550100) or "
        "whatsapp:+E.164 form",
        "give exactly one sender: --from or --messaging-service",
        "--media-url 'ftp://x' is not an absolute http(s) URL",
        "--status-callback '/relative' is not an absolute http(s) URL",
    ]
