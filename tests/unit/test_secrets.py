"""Secrets never reach the user's screen, even when a server echoes them back."""

from __future__ import annotations

import base64

import httpx
import pytest

from twilio_iac import logs
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.errors import ApiError

ACCOUNT = "AC" + "ab" * 16


def _echo(request: httpx.Request) -> httpx.Response:
    # A misbehaving proxy that quotes the request's credentials in its error.
    return httpx.Response(
        400, text=f"bad gateway; you sent: {request.headers['authorization']}"
    )


@pytest.mark.parametrize(
    "env,secret",
    [
        (
            {"MATON_API_KEY": "supersecretbearerkey123", "TWILIO_ACCOUNT_SID": ACCOUNT},
            "supersecretbearerkey123",
        ),
        (
            {
                "TWILIO_ACCOUNT_SID": ACCOUNT,
                "TWILIO_API_KEY": "SK123",
                "TWILIO_API_SECRET": "apisecretvalue",
            },
            base64.b64encode(b"SK123:apisecretvalue").decode(),
        ),
    ],
)
def test_echoed_credentials_are_scrubbed_from_error_messages(env, secret):
    settings = Settings.from_env(env)
    transport = httpx.MockTransport(_echo)
    with (
        TwilioClient(settings, transport=transport) as client,
        pytest.raises(ApiError) as info,
    ):
        client.update("core", f"/2010-04-01/Accounts/{ACCOUNT}/Queues/QU1.json", {})
    assert secret not in str(info.value)
    assert "you sent: Bearer [redacted]" in str(info.value) or (
        "you sent: Basic [redacted]" in str(info.value)
    )


def test_cli_error_paragraph_is_scrubbed_too():
    logs.register_secret("tok-value-0123")
    assert logs.scrub("failed: tok-value-0123") == "failed: [redacted]"


def test_a_value_too_short_to_be_a_credential_leaves_output_alone():
    # The webhook docs' test token: redacting it corrupted the URL printed.
    logs.register_secret("12345")
    assert logs.scrub("https://example.com/a?order=123456") == (
        "https://example.com/a?order=123456"
    )
