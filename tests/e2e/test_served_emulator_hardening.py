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
        self.errors = ""
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
        if not self.process.stderr.closed:
            self.errors = self.process.stderr.read()
            self.process.stderr.close()
            self.process.stdout.close()
        return self.errors


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


def test_a_verification_to_an_impossible_number_is_refused_with_60200(start) -> None:
    server = start()
    status, service = server.request("POST", "/v2/Services", {"FriendlyName": "Login"})
    assert status == 201, service
    path = f"/v2/Services/{service['sid']}/Verifications"
    form = {"To": "+1415555123", "Channel": "sms"}
    status, body = server.request("POST", path, form)
    assert (status, body["code"]) == (400, 60200), body
    status, body = server.request("POST", path, {**form, "To": "+14155551234"})
    assert status == 201, body


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


# --- item 6: the control routes ---------------------------------------------------

FAULT = {
    "method": "GET",
    "path_regex": "Queues",
    "status": 500,
    "code": 20500,
    "message": "boom",
}


def _faults(server: Served) -> list[dict[str, Any]]:
    status, state = server.request("GET", "/_emulator/state")
    assert status == 200, state
    return state["faults"]


@pytest.mark.parametrize("path", ["/_emulator/state", "/_emulator/any-other"])
def test_control_routes_refuse_requests_without_the_accounts_credentials(
    start, path: str
) -> None:
    server = start()
    wrong = "Basic " + base64.b64encode(f"{AC}:not-the-token".encode()).decode()
    for headers in ({"Authorization": None}, {"Authorization": wrong}):
        status, body = server.request("GET", path, headers=headers)
        assert (status, body["code"]) == (401, 20003), body


def test_a_fault_posted_without_credentials_is_not_added(start) -> None:
    server = start()
    headers = {"Authorization": None, "Content-Type": "application/json"}
    status, _ = server.request(
        "POST", "/_emulator/faults", json.dumps(FAULT).encode(), headers
    )
    assert status == 401
    assert _faults(server) == []


@pytest.mark.parametrize("kind", [FORM, "text/plain", "multipart/form-data", None])
def test_control_routes_take_only_json_bodies(start, kind: str | None) -> None:
    """A browser sends form, text or multipart bodies cross-origin without asking."""
    server = start()
    headers = {"Content-Type": kind} if kind else {}
    status, body = server.request(
        "POST", "/_emulator/faults", json.dumps(FAULT).encode(), headers
    )
    assert status == 415, body
    assert "application/json" in body["message"]
    assert _faults(server) == []


def test_a_json_fault_with_credentials_is_added(start) -> None:
    server = start()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    status, body = server.request(
        "POST", "/_emulator/faults", json.dumps(FAULT).encode(), headers
    )
    assert status == 201, body
    assert [fault["path_regex"] for fault in _faults(server)] == ["Queues"]


@pytest.mark.parametrize("path", ["/_emulator/state", f"{P}/Queues.json"])
def test_a_host_other_than_the_servers_own_is_refused(start, path: str) -> None:
    """DNS rebinding: a page of evil.example whose name now points at 127.0.0.1."""
    server = start()
    for host in ("evil.example", f"evil.example:{server.port}", "127.0.0.1:1"):
        status, body = server.request("GET", path, headers={"Host": host})
        assert status == 403, body
        assert host in body["message"]
    for host in (f"localhost:{server.port}", f"[::1]:{server.port}"):
        status, body = server.request("GET", path, headers={"Host": host})
        assert status == 200, body


# --- item 7: slow and malformed bodies ---------------------------------------------


def test_a_client_that_stalls_mid_body_holds_up_nobody_else(start) -> None:
    server = start("--read-timeout", "120s")
    slow = server.connect()
    try:
        head = _raw_head(
            server,
            "POST",
            f"{P}/Queues.json",
            f"Content-Type: {FORM}",
            "Content-Length: 100",
        )
        slow.sendall(head + b"FriendlyName=half")
        # While the slow body is still owed, another client is answered.
        status, page = server.request("GET", f"{P}/Queues.json")
        assert status == 200, page
        status, queue = server.request(
            "POST", f"{P}/Queues.json", {"FriendlyName": "q"}
        )
        assert status == 201, queue
        slow.setblocking(False)
        with pytest.raises(BlockingIOError):  # connected, and not answered yet
            slow.recv(1)
    finally:
        slow.close()
    assert "Traceback" not in server.stop()


def test_a_body_that_does_not_arrive_in_time_is_answered_400(start) -> None:
    server = start("--read-timeout", "1s")
    with server.connect() as slow:
        head = _raw_head(
            server,
            "POST",
            f"{P}/Queues.json",
            f"Content-Type: {FORM}",
            "Content-Length: 100",
        )
        slow.sendall(head + b"FriendlyName=half")
        status, body = _answer(slow)
    assert (status, body["code"]) == (400, 20001), body
    assert "100" in body["message"]
    assert server.request("GET", f"{P}/Queues.json")[1]["queues"] == []
    assert "Traceback" not in server.stop()


@pytest.mark.parametrize("length", ["-1", "abc", "1e3"])
def test_a_bad_content_length_is_answered_400_at_once(start, length: str) -> None:
    server = start("--read-timeout", "120s")
    with server.connect() as client:
        head = _raw_head(
            server,
            "POST",
            f"{P}/Queues.json",
            f"Content-Type: {FORM}",
            f"Content-Length: {length}",
        )
        client.sendall(head + b"FriendlyName=q")
        # The connection stays open: only the server can end this exchange.
        status, body = _answer(client)
    assert (status, body["code"]) == (400, 20001), body
    assert "Content-Length" in body["message"]
    assert "Traceback" not in server.stop()


@pytest.mark.parametrize("path", [f"{P}/Queues.json", "/_emulator/state"])
def test_credentials_that_are_not_ascii_are_answered_401(start, path: str) -> None:
    server = start()
    for user, password in ((AC, "tökén"), ("ÄC", SANDBOX_AUTH_TOKEN)):
        pair = base64.b64encode(f"{user}:{password}".encode()).decode()
        status, body = server.request(
            "GET", path, headers={"Authorization": f"Basic {pair}"}
        )
        assert (status, body["code"]) == (401, 20003), body
    status, body = server.request("GET", path, headers={"Authorization": "Basic é"})
    assert (status, body["code"]) == (401, 20003), body
    assert "Traceback" not in server.stop()


def test_a_read_timeout_must_give_a_client_some_time() -> None:
    result = CliRunner().invoke(cli, ["emulator", "serve", "--read-timeout", "0s"])
    assert result.exit_code == 1
    assert "--read-timeout is '0s'" in result.output


def test_a_body_beyond_a_megabyte_is_refused_before_it_is_read(start) -> None:
    server = start("--read-timeout", "120s")
    with server.connect() as client:
        head = _raw_head(
            server,
            "POST",
            f"{P}/Queues.json",
            f"Content-Type: {FORM}",
            f"Content-Length: {10**12}",
        )
        client.sendall(head + b"FriendlyName=q")
        status, body = _answer(client)
    assert (status, body["code"]) == (413, 20001), body
    assert "at most 1048576" in body["message"]
    assert "Traceback" not in server.stop()


@pytest.mark.parametrize(
    ("path", "kind"),
    [(f"{P}/Queues.json", FORM), ("/_emulator/faults", "application/json")],
)
def test_a_body_that_is_not_utf8_is_answered_400(start, path: str, kind: str) -> None:
    server = start()
    body = b"FriendlyName=caf\xe9"
    status, answer = server.request("POST", path, body, {"Content-Type": kind})
    assert (status, answer["code"]) == (400, 20001), answer
    assert "UTF-8" in answer["message"]
    assert "Traceback" not in server.stop()
