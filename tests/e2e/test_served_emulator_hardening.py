"""`emulator serve` against hostile or broken clients (issue 18, items 5 to 7):
impossible numbers are refused, the control routes take only the account's
credentials, JSON and this server's own Host, and one slow client holds up
nobody but itself."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from click.testing import CliRunner

from twilio_iac.cli import cli
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN

AC = SANDBOX_ACCOUNT_SID
P = f"/2010-04-01/Accounts/{AC}"
BASIC = "Basic " + base64.b64encode(f"{AC}:{SANDBOX_AUTH_TOKEN}".encode()).decode()
FORM = "application/x-www-form-urlencoded"
# Long enough for any request to come and go on a busy machine; a client that
# waits this long for an answer is one the server has frozen.
PATIENCE = 30.0


class Served:
    """`twilio-iac emulator serve` in its own process, on a state file."""

    def __init__(self, state: Path, *options: str) -> None:
        command = [sys.executable, "-m", "twilio_iac", "emulator", "serve"]
        command += ["--port", "0", "--state", str(state), *options]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert "listening on" in line, self.stop()
        address = urlsplit(line.split("listening on ")[1].split()[0])
        self.host, self.port = address.hostname or "", address.port or 0

    def request(
        self,
        method: str,
        path: str,
        body: bytes | dict[str, str] | None = None,
        headers: dict[str, str | None] | None = None,
    ) -> tuple[int, Any]:
        """Status and decoded JSON. Requests carry the account's credentials and a
        dict body is sent form-encoded; a header given as None is left out."""
        given: dict[str, str | None] = {"Authorization": BASIC}
        if isinstance(body, dict):
            body, given["Content-Type"] = urlencode(body).encode(), FORM
        given.update(headers or {})
        sent = {name: value for name, value in given.items() if value is not None}
        connection = http.client.HTTPConnection(self.host, self.port, timeout=PATIENCE)
        try:
            connection.request(method, path, body=body, headers=sent)
            reply = connection.getresponse()
            raw = reply.read()
        finally:
            connection.close()
        return reply.status, json.loads(raw) if raw else None

    def connect(self) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=PATIENCE)

    def stop(self) -> str:
        """Stop the server; what it wrote on stderr."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        assert self.process.stderr is not None and self.process.stdout is not None
        errors = self.process.stderr.read()
        self.process.stderr.close()
        self.process.stdout.close()
        return errors


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    started: list[Served] = []

    def _start(*options: str) -> Served:
        started.append(Served(tmp_path / f"sandbox{len(started)}.db", *options))
        return started[-1]

    yield _start
    for server in started:
        server.stop()


def _raw_head(server: Served, method: str, path: str, *headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {server.host}:{server.port}"]
    lines += [f"Authorization: {BASIC}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _answer(client: socket.socket) -> tuple[int, Any]:
    """Read one whole answer from a raw socket (the server closes after it)."""
    data = b""
    while chunk := client.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body) if body else None


# --- item 5: impossible numbers ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "to", "extra"),
    [
        ("Messages.json", "+1415555123", {"Body": "hi"}),
        ("Messages.json", "+999", {"Body": "hi"}),
        ("Messages.json", "whatsapp:+4420", {"Body": "hi"}),
        ("Calls.json", "+1415555", {"Url": "https://example.com/voice"}),
        ("Calls.json", "+4412345678901234", {"Url": "https://example.com/voice"}),
    ],
)
def test_sends_to_impossible_numbers_are_refused_with_21211(
    start, path: str, to: str, extra: dict[str, str]
) -> None:
    server = start()
    sender = "whatsapp:+15005550006" if to.startswith("whatsapp:") else "+15005550006"
    form = {"To": to, "From": sender, **extra}
    status, body = server.request("POST", f"{P}/{path}", form)
    assert (status, body["code"]) == (400, 21211), body
    assert to in body["message"]
    kind = "messages" if path == "Messages.json" else "calls"
    _, page = server.request("GET", f"{P}/{path}")
    assert page[kind] == []


@pytest.mark.parametrize(
    ("command", "to", "extra"),
    [
        ("sms", "+1415555123", ("--body", "hi")),
        ("sms", "+999", ("--body", "hi")),
        ("call", "+1415555", ("--url", "https://example.com/voice")),
    ],
)
def test_send_refuses_an_impossible_number_before_sending(
    start, monkeypatch, command: str, to: str, extra: tuple[str, ...]
) -> None:
    server = start()
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", AC)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", SANDBOX_AUTH_TOKEN)
    monkeypatch.setenv("TWILIO_API_BASE_URL", f"http://{server.host}:{server.port}")
    args = ["send", command, "--to", to, "--from", "+15005550006", *extra, "--yes"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "nothing was sent to Twilio" in result.stderr
    assert f"--to {to!r} is not a possible phone number: it is too short" in (
        result.stderr
    )
    path = "Messages.json" if command == "sms" else "Calls.json"
    _, page = server.request("GET", f"{P}/{path}")
    assert page["messages" if command == "sms" else "calls"] == []


def test_a_possible_number_is_still_sent(start) -> None:
    server = start()
    form = {"To": "+14155551234", "From": "+15005550006", "Body": "hi"}
    status, body = server.request("POST", f"{P}/Messages.json", form)
    assert status == 201, body
