"""Serve the emulator over HTTP with the standard library's threaded WSGI server."""

from __future__ import annotations

import errno
from collections.abc import Mapping
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from ..errors import ConfigError
from .app import Emulator
from .delivery.callbacks import Deliverer


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets connections when a client
    # opens more at once (an apply at --parallelism 10, a plan listing kinds).
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """No per-request access log; the emulator keeps its own request_log."""


def _bind(host: str, port: int, emulator: Emulator) -> WSGIServer:
    try:
        return make_server(
            host,
            port,
            emulator,
            server_class=_ThreadingServer,
            handler_class=_QuietHandler,
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {host} is in use; pass another --port"
            ) from None
        raise ConfigError(
            f"Cannot listen on port {port} on {host} ({exc.strerror or exc}); "
            "pass another --port"
        ) from None


def serve(
    host: str = "127.0.0.1",
    port: int = 8080,
    state_path: Path | None = None,
    credentials: Mapping[str, str] | None = None,
    latency: float = 0.0,
    rate_limit: int | None = None,
    migrate_from: Path | None = None,
    deliver_webhooks: bool = False,
    allow_remote_webhooks: bool = False,
    clock: str | None = None,
) -> None:
    """Serve until interrupted; every request is written to the state file
    before it is answered. With ``deliver_webhooks``, post status callbacks
    (see delivery/callbacks.py). ``clock``: "manual" or "real" (store/clock.py)."""
    emulator = Emulator(
        state_path=state_path,
        credentials=credentials,
        latency=latency,
        rate_limit=rate_limit,
        migrate_from=migrate_from,
        clock=clock,
    )
    # A server runs for hours: an in-memory log of every request would only grow.
    emulator.keep_log = False
    if deliver_webhooks:
        Deliverer(emulator, allow_remote=allow_remote_webhooks)
    with _bind(host, port, emulator) as server:
        _announce(host, server.server_address[1], emulator.account_sid)
        if emulator.clock()["mode"] == "manual":
            print(
                "The sandbox's clock is stopped: move it with "
                "`twilio-iac emulator advance 90s` or POST /_emulator/clock",
                flush=True,
            )
        if deliver_webhooks:
            where = "any host" if allow_remote_webhooks else "loopback hosts only"
            print(f"Delivering signed status callbacks ({where})", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            emulator.close()


def _announce(host: str, port: int, account_sid: str) -> None:
    # Name the account, never the token.
    print(
        f"Twilio emulator listening on http://{host}:{port} (account {account_sid})",
        flush=True,
    )
