"""The one vcr.VCR instance replay tests use, and the client they record through.

CI only replays (TWILIO_IAC_RECORD unset → record_mode "none"): no emulator, no
network. ``TWILIO_IAC_RECORD=all pytest tests/replay`` re-records every cassette
against the in-process emulator; add ``TWILIO_IAC_RECORD_TARGET=twilio`` and a
real account's TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN to record against Twilio.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import vcr

from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"
RECORD_MODE = os.environ.get("TWILIO_IAC_RECORD", "none")
TARGET = os.environ.get("TWILIO_IAC_RECORD_TARGET", "emulator")
# What every cassette calls the account: a valid SID shape, obviously fake.
PLACEHOLDER_ACCOUNT_SID = "AC" + "0" * 32
# The emulator's password for the placeholder account while recording; a test
# double's value, and still scanned for in the cassettes like a real token.
FAKE_AUTH_TOKEN = "f0" * 16
# Request headers that carry, or could carry, credentials.
SECRET_HEADERS = ("authorization", "cookie", "maton-connection", "x-api-key")
_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
# conftest's autouse fixture empties the credential variables before each test,
# so a real-account recording reads them once, here, at collection time.
_RECORDING_ENV = dict(os.environ) if TARGET == "twilio" else {}


def _scrub(text: str) -> str:
    return _ACCOUNT_SID.sub(PLACEHOLDER_ACCOUNT_SID, text)


def _scrub_request(request: Any) -> Any:
    """Any account SID in the URI or body becomes the placeholder."""
    request.uri = _scrub(request.uri)
    if isinstance(request.body, bytes):
        request.body = _scrub(request.body.decode("utf-8")).encode("utf-8")
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response["body"]["string"]
    if isinstance(body, bytes) and not _is_text(body):
        pass  # audio or media: no SID can hide in it, keep the bytes
    elif isinstance(body, bytes):
        body = _scrub(body.decode("utf-8")).encode("utf-8")
    elif isinstance(body, str):
        body = _scrub(body)
    response["body"]["string"] = body
    # Re-encoded bodies may change length; replay reads the body, not this.
    response["headers"].pop("Content-Length", None)
    response["headers"].pop("content-length", None)
    response["headers"].pop("Set-Cookie", None)
    return response


def _is_text(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _cassette_path(function: Callable[..., Any]) -> str:
    """cassettes/<test module>/<test name>.yaml"""
    module = function.__module__.rsplit(".", 1)[-1]
    return str(Path(module) / f"{function.__name__}.yaml")


tape = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode=RECORD_MODE,
    filter_headers=list(SECRET_HEADERS),
    before_record_request=_scrub_request,
    before_record_response=_scrub_response,
    decode_compressed_response=True,
    func_path_generator=_cassette_path,
    match_on=("method", "scheme", "host", "port", "path", "query", "body"),
)


def recording_secrets() -> list[str]:
    """A real-account recording's secrets, for the cassette scan to look for."""
    names = ("TWILIO_AUTH_TOKEN", "TWILIO_API_SECRET", "MATON_API_KEY")
    return [_RECORDING_ENV[name] for name in names if _RECORDING_ENV.get(name)]


def settings() -> Settings:
    """Real-looking auth-token settings with Twilio's own base URLs."""
    if TARGET == "twilio" and RECORD_MODE != "none":
        return Settings.from_env(_RECORDING_ENV)
    env = {
        "TWILIO_ACCOUNT_SID": PLACEHOLDER_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": FAKE_AUTH_TOKEN,
    }
    return Settings.from_env(env)


@contextmanager
def client() -> Iterator[TwilioClient]:
    """A client whose requests the active cassette records or replays.

    vcrpy patches httpx.WSGITransport as well as HTTPTransport, so recording
    against the emulator needs no server; replay uses the plain transport,
    which the cassette answers without touching the network.
    """
    app = None
    if RECORD_MODE != "none" and TARGET == "emulator":
        from twilio_iac.emulator import Emulator

        app = Emulator(credentials={PLACEHOLDER_ACCOUNT_SID: FAKE_AUTH_TOKEN})
    with TwilioClient(settings(), app=app, sleep=lambda _: None) as http:
        yield http
