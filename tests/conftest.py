"""Shared fixtures: a sandbox state file per test and a CLI runner against it."""

from __future__ import annotations

import json
import socket
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from twilio_iac import logs
from twilio_iac.cli import cli
from twilio_iac.emulator import Emulator

CREDENTIAL_VARS = (
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_KEY",
    "TWILIO_API_SECRET",
    "TWILIO_IAC_TARGET_API_KEY",
    "TWILIO_IAC_TARGET_API_SECRET",
    "MATON_API_KEY",
    "MATON_CONNECTION",
    "TWILIO_API_BASE_URL",
    "TWILIO_VERIFY_BASE_URL",
    "TWILIO_IAC_SANDBOX",
    "TWILIO_IAC_SANDBOX_CLOCK",
    "NO_COLOR",
)


def pytest_configure(config: pytest.Config) -> None:
    """The `twilio_sandbox` plugin comes through its pytest11 entry point; an
    install made before the entry point existed (no `pip install -e .` since)
    gets it here."""
    if not config.pluginmanager.has_plugin("twilio_iac"):
        config.pluginmanager.import_plugin("twilio_iac.testing.pytest_plugin")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach a real host: only loopback connections are allowed."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else ""
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"tests must not use the network (tried {address!r})")
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    # Secrets registered by one test's clients are not "in use" in the next.
    monkeypatch.setattr(logs, "_SECRETS", set())


@pytest.fixture
def state_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's sandbox state file, with the sandbox's clock stopped, so that
    a send's status changes only when a test moves time on (``advance``)."""
    path = tmp_path / "sandbox.db"
    monkeypatch.setenv("TWILIO_IAC_SANDBOX_STATE", str(path))
    monkeypatch.setenv("TWILIO_IAC_SANDBOX_CLOCK", "manual")
    return path


@pytest.fixture
def advance(state_path: Path) -> Callable[[float], None]:
    """Move the CLI sandbox's clock on by some seconds, through its state file."""

    def move(seconds: float) -> None:
        emulator = Emulator(state_path=state_path, clock="manual")
        try:
            emulator.advance(seconds)
        finally:
            emulator.close()

    return move


@pytest.fixture
def sandbox(state_path: Path) -> Callable[[], Emulator]:
    """Open the sandbox state the CLI uses (call again to see its latest state)."""
    return lambda: Emulator(state_path=state_path)


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[tuple[str, str]]]:
    """Every (method, path) the emulators the CLI opens have received, in order."""
    emulators: list[Emulator] = []
    real_init = Emulator.__init__

    def init(self: Emulator, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        emulators.append(self)

    monkeypatch.setattr(Emulator, "__init__", init)
    return lambda: [entry for emulator in emulators for entry in emulator.request_log]


@pytest.fixture
def run(state_path: Path) -> Callable[..., Result]:
    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["--sandbox", *args], input=input)

    return invoke


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a manifest file (dedented) and return its path."""

    def _write(name: str, body: str) -> Path:
        path = tmp_path / "manifests" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body).lstrip())
        return path

    return _write


def plan_json(run: Callable[..., Result], *paths: Path) -> dict:
    result = run("plan", *map(str, paths), "--output", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
