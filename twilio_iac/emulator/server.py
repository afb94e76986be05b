"""Serve the emulator over HTTP with the standard library's threaded WSGI server."""

from __future__ import annotations

import errno
import sys
from collections.abc import Mapping
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from ..errors import ConfigError
from . import exports
from .app import Emulator
from .delivery.callbacks import Deliverer
from .http.intake import loopback_hosts

# Seconds a client has for each read of its request (line, headers, body)
# before it is answered 400 or dropped; it holds up no other client meanwhile.
READ_TIMEOUT = 5.0


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets connections when a client
    # opens more at once (an apply at --parallelism 10, a plan listing kinds).
    request_queue_size = 128
    read_timeout = READ_TIMEOUT

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that timed out or hung up is no bug: no traceback for it."""
        if isinstance(sys.exc_info()[1], (TimeoutError, ConnectionError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _QuietHandler(WSGIRequestHandler):
    def setup(self) -> None:
        # StreamRequestHandler applies ``timeout`` to the connection's socket.
        self.timeout = getattr(self.server, "read_timeout", READ_TIMEOUT)
        super().setup()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """No per-request access log; the emulator keeps its own request_log."""


def _bind(
    host: str, port: int, emulator: Emulator, read_timeout: float = READ_TIMEOUT
) -> WSGIServer:
    try:
        server = make_server(
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
    server.read_timeout = read_timeout  # type: ignore[attr-defined]
    # Only requests that name this address are served (no DNS rebinding).
    emulator.hosts = loopback_hosts(host, server.server_address[1])
    return server


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
    read_timeout: float = READ_TIMEOUT,
    clock: str | None = None,
) -> None:
    """Serve until interrupted; every request is written to the state file
    before it is answered. With ``deliver_webhooks``, post status callbacks
    (see delivery/callbacks.py). ``read_timeout``: seconds a client has for
    each read of its request. ``clock``: "manual" or "real" (store/clock.py)."""
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
    with _bind(host, port, emulator, read_timeout) as server:
        # A token the user brought stays unprinted; the sandbox's is public.
        token = None if credentials else emulator.auth_token
        _announce(host, server.server_address[1], emulator.account_sid, token)
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


def _announce(host: str, port: int, account_sid: str, token: str | None) -> None:
    """The address first (scripts read that line), then what points a client
    at it."""
    url = f"http://{host}:{port}"
    print(f"Twilio emulator listening on {url} (account {account_sid})", flush=True)
    print(
        f"Point a client at it (`twilio-iac emulator env --port {port}` prints "
        "these again):",
        flush=True,
    )
    print("\n".join(exports.lines(url, account_sid, token)), flush=True)
