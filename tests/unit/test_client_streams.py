"""The client's page-by-page lists and its media downloads."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import structlog

from twilio_iac import logs
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS, Emulator
from twilio_iac.operations import listing, messages

SETTINGS = Settings.from_env(
    {
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "TWILIO_AUTH_TOKEN": "a1" * 16,
    }
)


def _sandbox_client(app: Any) -> TwilioClient:
    settings = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
    return TwilioClient(settings, app=app, sleep=lambda _: None)


def test_rows_arrive_before_the_next_page_is_read() -> None:
    emulator = Emulator()
    for index in range(1500):
        emulator.insert("messages", to="+14155551234", body=f"m{index}")
    with _sandbox_client(emulator) as client:
        query = messages.list_query(client.account_sid, limit=1500)
        rows = listing.stream(client, query)
        first = next(rows)
        assert first["body"] == "m1499"  # newest first
        assert client.request_count == 1  # the second page is not read yet
        assert len(list(rows)) == 1499
        assert client.request_count == 2


class Redirecting:
    """Answers the API path with a redirect to a signed URL on another host."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str | None]] = []

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        host = environ["HTTP_HOST"]
        auth = environ.get("HTTP_AUTHORIZATION")
        self.seen.append((host, environ["PATH_INFO"], auth))
        if host == "api.twilio.com":
            location = "https://media.example.net/r/RE1.mp3?Expires=1&Signature=s3cr3t"
            start_response("302 Found", [("Location", location)])
            return [b""]
        start_response("200 OK", [("Content-Type", "audio/mpeg")])
        return [b"\xff\xfb", b"audio"]


def test_download_follows_a_redirect_without_credentials_or_logging_the_query():
    app = Redirecting()
    chunks: list[bytes] = []
    logs.configure(debug=True, fmt="json")  # debug: the most that is ever logged
    try:
        with (
            structlog.testing.capture_logs() as logged,
            TwilioClient(SETTINGS, app=app, sleep=lambda _: None) as client,
        ):
            path = "/2010-04-01/Recordings/RE1.mp3"
            kind = client.download("core", path, chunks.append)
    finally:
        logs.configure(debug=False, fmt="text")
    assert kind == "audio/mpeg" and b"".join(chunks) == b"\xff\xfbaudio"
    (api_host, _, api_auth), (media_host, media_path, media_auth) = app.seen
    assert api_host == "api.twilio.com" and api_auth is not None
    assert media_host == "media.example.net" and media_auth is None
    assert media_path == "/r/RE1.mp3"
    paths = [event.get("path") for event in logged]
    assert "/r/RE1.mp3" in paths  # the media request is logged, by path only
    assert "s3cr3t" not in repr(logged) and "Signature" not in repr(logged)
