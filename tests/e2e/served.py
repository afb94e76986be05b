"""`emulator serve`'s server on a free 127.0.0.1 port, with an httpx client
(and the official SDK, when installed) pointed at it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Emulator
from twilio_iac.emulator.server import _bind

P = f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}"


@dataclass
class Served:
    emulator: Emulator
    base: str
    http: httpx.Client

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params)

    def post(self, path: str, **data: Any) -> httpx.Response:
        return self.http.post(path, data=data)

    def sdk(self) -> Any:
        """The official Client with every host on the sandbox."""
        from twilio.rest import Client

        client = Client(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
        for name in (
            "api", "verify", "messaging", "trunking", "lookups", "intelligence", "iam",
        ):  # fmt: skip
            getattr(client, name).base_url = self.base
        return client


@contextmanager
def serving(emulator: Emulator | None = None) -> Iterator[Served]:
    emulator = emulator or Emulator()
    server = _bind("127.0.0.1", 0, emulator)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    auth = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    try:
        with httpx.Client(base_url=base, auth=auth) as http:
            yield Served(emulator, base, http)
    finally:
        server.shutdown()
        server.server_close()
