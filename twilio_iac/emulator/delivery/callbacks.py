"""Status callbacks: the sandbox posts each send's progress to its webhook.

A Deliverer watches the emulator's responses. When a message or call is
created with somewhere to report to, it takes over the sandbox's clock for
that send: every ``step`` seconds it advances the record one status (exactly
as a client's fetch would) and posts the statuses Twilio reports, signed
with the account's auth token:

- messages: queued, sent, then delivered, undelivered or failed;
- calls: the StatusCallbackEvent events asked for (initiated, ringing,
  answered, completed), by default only completed, as Twilio does.

The URL is the send's StatusCallback, else its application's
(message_status_callback / status_callback), else the status_callback set on
the sending number. All of it happens on one background thread: the request
that created the send is answered at once.
"""

from __future__ import annotations

import heapq
import itertools
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from ...errors import ConfigError
from . import outbound

if TYPE_CHECKING:
    from ..app import Emulator
    from ..http.handlers import Request

MESSAGE_REPORTED = {"queued", "sent", "delivered", "undelivered", "failed"}
CALL_EVENTS = {
    "queued": "initiated",
    "ringing": "ringing",
    "in-progress": "answered",
    "completed": "completed",
    "busy": "completed",
    "no-answer": "completed",
    "failed": "completed",
    "canceled": "completed",
}
_FINAL = {"delivered", "undelivered", "failed", "completed", "busy", "no-answer"}
_FINAL |= {"canceled", "received", "read"}
_MAX_STEPS = 10


@dataclass
class _Send:
    kind: str  # "messages" or "calls"
    path: str  # the record's API path, which the clock fetches
    url: str
    method: str
    events: frozenset[str]  # for calls: the events asked for
    sequence: int = 0  # calls number their callbacks
    steps: int = 0
    reported: set[str] = field(default_factory=set)


@dataclass(order=True)
class _Task:
    due: float
    order: int
    send: _Send = field(compare=False)
    record: dict | None = field(compare=False, default=None)


class Deliverer:
    """Background delivery of status callbacks for one Emulator."""

    def __init__(
        self,
        emulator: Emulator,
        *,
        allow_remote: bool = False,
        step: float = 1.0,
        report: Callable[[str], None] | None = None,
        timeout: float = outbound.TIMEOUT,
    ) -> None:
        self.emulator = emulator
        self.allow_remote = allow_remote
        self.step = step
        self.timeout = timeout
        self.report = report or _stderr
        self.sent: list[tuple[str, dict[str, str], int | None]] = []  # for tests
        self._tasks: list[_Task] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._busy = 0
        self._stopped = False
        self._thread = threading.Thread(
            target=self._run, name="sandbox-webhooks", daemon=True
        )
        self._thread.start()
        emulator.listeners.append(self.observe)

    def observe(self, request: Request, status: int, body: Any) -> None:
        """Called by the emulator (under its lock) for every API response."""
        if request.method != "POST" or status != 201 or not isinstance(body, dict):
            return
        kind = _kind(request.path, body)
        if kind is None:
            return
        target = self._target(kind, request.form, body)
        if target is None:
            return
        url, method, events = target
        try:
            outbound.check_url(url, self.allow_remote)
        except ConfigError as exc:  # said once; the send is left alone
            self.report(f"webhooks for {body['sid']} not sent: {exc}")
            return
        send = _Send(kind, body["uri"], url, method, events)
        self._schedule(send, 0.0, record=body)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every scheduled step ran; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self._tasks or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(min(left, 0.05))
        return True

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify_all()
        if self.observe in self.emulator.listeners:
            self.emulator.listeners.remove(self.observe)

    def _target(
        self, kind: str, form: dict[str, list[str]], body: dict
    ) -> tuple[str, str, frozenset[str]] | None:
        def given(name: str) -> str:
            return (form.get(name) or [""])[-1]

        url, method = given("StatusCallback"), given("StatusCallbackMethod")
        if not url:
            url, method = self._configured(kind, given("ApplicationSid"), body)
        if not url:
            return None
        events = frozenset(form.get("StatusCallbackEvent") or ["completed"])
        method = "POST" if kind == "messages" else (method or "POST").upper()
        return url, method, events

    def _configured(self, kind: str, app_sid: str, body: dict) -> tuple[str, str]:
        """The application's callback, else the sending number's."""
        store = self.emulator.store
        app = store.records("applications").get(app_sid) if app_sid else None
        if app is not None:
            field_name = "message_status_callback" if kind == "messages" else None
            url = app.get(field_name or "status_callback") or ""
            if url:
                return url, app.get("status_callback_method") or "POST"
        sender = str(body.get("from") or "")
        for number in store.records("phone_numbers").values():
            if number["phone_number"] == sender and number.get("status_callback"):
                method = number.get("status_callback_method") or "POST"
                return number["status_callback"], method
        return "", ""

    def _schedule(self, send: _Send, delay: float, record: dict | None = None) -> None:
        task = _Task(time.monotonic() + delay, next(self._order), send, record)
        with self._wake:
            heapq.heappush(self._tasks, task)
            self._wake.notify_all()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._stopped:
                    now = time.monotonic()
                    if self._tasks and self._tasks[0].due <= now:
                        break
                    wait = self._tasks[0].due - now if self._tasks else None
                    self._wake.wait(wait)
                if self._stopped:
                    return
                task = heapq.heappop(self._tasks)
                self._busy += 1
            try:
                self._step(task)
            except Exception as exc:  # a bug must not kill the delivery thread
                self.report(f"webhook delivery failed: {type(exc).__name__}: {exc}")
            finally:
                with self._wake:
                    self._busy -= 1
                    self._wake.notify_all()

    def _step(self, task: _Task) -> None:
        send = task.send
        record = task.record
        if record is None:  # time passes: one status step, as a fetch makes it
            record = self.emulator.fetch(send.path)
            if record is None:
                return  # deleted meanwhile
        self._report_status(send, record)
        send.steps += 1
        if record.get("status") not in _FINAL and send.steps < _MAX_STEPS:
            self._schedule(send, self.step)

    def _report_status(self, send: _Send, record: dict) -> None:
        status = str(record.get("status"))
        if status in send.reported:
            return
        send.reported.add(status)
        if send.kind == "messages":
            # A client's own fetches may have moved it past "sent" meanwhile.
            if status in ("delivered", "undelivered") and "sent" not in send.reported:
                send.reported.add("sent")
                sent = {**record, "status": "sent", "error_code": None}
                self._post(send, message_params(sent))
            if status in MESSAGE_REPORTED:
                self._post(send, message_params(record))
            return
        event = CALL_EVENTS.get(status)
        if event in send.events:
            params = call_params(record, event, send.sequence)
            send.sequence += 1
            self._post(send, params)

    def _post(self, send: _Send, params: list[tuple[str, str]]) -> None:
        what = dict(params).get("MessageStatus") or dict(params).get("CallStatus")
        token = self.emulator.token_of(dict(params).get("AccountSid"))
        reply = outbound.send(send.url, params, token, send.method, self.timeout)
        self.sent.append((send.url, dict(params), reply.status))
        outcome = reply.status if reply.status is not None else reply.error
        self.report(f"webhook {send.method} {send.url} ({what}) → {outcome}")


def message_params(record: dict) -> list[tuple[str, str]]:
    """What Twilio posts to a message's status callback."""
    status = str(record["status"])
    params = [
        ("AccountSid", record["account_sid"]),
        ("ApiVersion", record.get("api_version") or "2010-04-01"),
        ("From", str(record.get("from") or "")),
        ("MessageSid", record["sid"]),
        ("MessageStatus", status),
        ("SmsSid", record["sid"]),
        ("SmsStatus", status),
        ("To", str(record.get("to") or "")),
    ]
    if record.get("messaging_service_sid"):
        params.append(("MessagingServiceSid", record["messaging_service_sid"]))
    if record.get("error_code"):
        params.append(("ErrorCode", str(record["error_code"])))
    return params


def call_params(record: dict, event: str, sequence: int) -> list[tuple[str, str]]:
    """What Twilio posts to a call's status callback for one event."""
    status = "initiated" if event == "initiated" else str(record["status"])
    sender, to = str(record.get("from") or ""), str(record.get("to") or "")
    params = [
        ("AccountSid", record["account_sid"]),
        ("ApiVersion", record.get("api_version") or "2010-04-01"),
        ("CallSid", record["sid"]),
        ("CallStatus", status),
        ("CallbackSource", "call-progress-events"),
        ("Called", to),
        ("Caller", sender),
        ("Direction", record.get("direction") or "outbound-api"),
        ("From", sender),
        ("SequenceNumber", str(sequence)),
        (
            "Timestamp",
            format_datetime(datetime.now(timezone.utc).replace(microsecond=0)),
        ),
        ("To", to),
    ]
    if event == "completed":
        seconds = str(record.get("duration") or "0")
        params += [("CallDuration", seconds), ("Duration", _minutes(seconds))]
    return params


def _minutes(seconds: str) -> str:
    return str(-(-int(seconds) // 60)) if seconds.isdigit() else "0"


def _kind(path: str, body: dict) -> str | None:
    if path.endswith("/Messages.json") and str(body.get("sid", ""))[:2] in ("SM", "MM"):
        return "messages"
    if path.endswith("/Calls.json") and str(body.get("sid", "")).startswith("CA"):
        return "calls"
    return None


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
