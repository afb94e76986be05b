"""A sandbox for one test: a fresh emulator served on a free loopback port,
its clock stopped, torn down by `close()`.

It is served from a thread of the test's own process (the same server as
`emulator serve`), so the app under test reaches it over HTTP as it would
reach Twilio, while the test reads its records directly. Port 0 lets the
system pick a free port, so parallel workers (pytest-xdist) never collide.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..emulator import Emulator, exports
from ..emulator.delivery import inbound
from ..emulator.delivery.callbacks import Deliverer
from ..emulator.server import _bind
from ..emulator.store import clock
from ..errors import ConfigError, SandboxError

if TYPE_CHECKING:
    from twilio.rest import Client

# Any sender will do: the sandbox takes incoming messages from anyone.
DEFAULT_SENDER = "+15558675310"


class Sandbox:
    """A served sandbox: see the README's "Testing your own app"."""

    def __init__(self, state_path: Path | None = None) -> None:
        self._emulator = Emulator(state_path=state_path, clock="manual")
        self._server = _bind("127.0.0.1", 0, self._emulator)
        # Each callback's line (URL, status) goes to stderr, which pytest
        # shows when a test fails.
        self._deliverer = Deliverer(self._emulator)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.05,),  # seconds between looks for shutdown(): a quick teardown
            name="twilio-sandbox",
            daemon=True,
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def account_sid(self) -> str:
        return self._emulator.account_sid

    @property
    def auth_token(self) -> str:
        """The sandbox's public token: it authenticates and signs webhooks."""
        return self._emulator.auth_token

    @property
    def env(self) -> dict[str, str]:
        """Every API's base-URL variable and the credentials, for
        ``monkeypatch.setenv`` (twilio-iac and apps that read them)."""
        found = exports.variables(self.url, self.account_sid, self.auth_token)
        return {name: value for name, value in found.items() if value is not None}

    def client(self) -> Client:
        """The official SDK's Client, every domain pointed at the sandbox."""
        try:
            from . import sdk
        except ModuleNotFoundError as exc:
            if exc.name != "twilio" and not (exc.name or "").startswith("twilio."):
                raise
            raise SandboxError(
                "twilio_sandbox.client() needs the official Twilio SDK, which is "
                "not installed: `pip install twilio` (or point your own client at "
                "twilio_sandbox.url)."
            ) from None
        return sdk.client(self.url, self.account_sid, self.auth_token)

    def now(self) -> datetime:
        """The sandbox's time (it moves only with `advance`)."""
        return self._emulator.now()

    def advance(self, seconds: float | str) -> datetime:
        """Move the clock on (90, or "90s", "5m"): sends due by then reach
        their statuses, and their status callbacks are posted before it
        returns. The new time is returned."""
        try:
            by = clock.seconds(seconds)
        except ValueError as exc:
            raise SandboxError(f"advance({seconds!r}): {exc}.") from None
        self._emulator.advance(by)
        if not self._deliverer.drain():
            raise SandboxError(
                "Status callbacks were still being posted 10 s after advance(): "
                "is the app's StatusCallback URL answering?"
            )
        return self.now()

    def messages(self) -> list[dict[str, Any]]:
        """Every message the sandbox holds, as the API shows it, newest last."""
        return self._emulator.records("messages")

    def callbacks(self) -> list[tuple[str, dict[str, str], int | None]]:
        """The status callbacks posted so far: (URL, parameters, HTTP status)."""
        return list(self._deliverer.sent)

    def inbound_sms(self, to: str, body: str, from_: str = DEFAULT_SENDER) -> str:
        """Deliver an incoming SMS to ``to``'s webhook (its sms_url, its
        application's, or its Messaging Service's), signed as Twilio signs
        it, and return the TwiML the app answered."""
        try:
            done = inbound.sms(self._emulator, to, from_, body)
        except ConfigError as exc:
            raise SandboxError(str(exc)) from None
        reply = done.response
        if reply.status is None or not 200 <= reply.status < 300:
            outcome = f"HTTP {reply.status}" if reply.status else reply.error
            raise SandboxError(
                f"Twilio error 11200 (HTTP retrieval failure): {done.url} "
                f"answered {outcome}; Twilio would send no reply."
            )
        problem = inbound.twiml_problem(reply)
        if problem:
            raise SandboxError(f"{problem}. Twilio would send no reply.")
        return reply.body

    def close(self) -> None:
        self._deliverer.stop()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        self._emulator.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
