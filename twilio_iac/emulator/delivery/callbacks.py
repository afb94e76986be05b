"""Status callbacks: the sandbox posts each send's progress to its webhook.

A Deliverer watches the emulator's responses. When a message or call is
created with somewhere to report to, it writes that place on the send's row
of the clock's timeline (store/clock.py). From then on, each status the send
reaches on the sandbox's clock queues the callback Twilio posts for it in the
state's ``outbox``, in the transaction that applied the step, whichever
process sharing the state file applied it. A Deliverer takes entries out of
the outbox in a transaction of its own and posts them, signed with the
account's auth token, so each step is posted once, however many processes
share the file. Twilio reports:

- messages: each status after the one it was created with (Twilio posts
  nothing for that one): queued (after accepted or scheduled), sent, then
  delivered, undelivered or failed; canceled for a canceled scheduled one;
- calls: the StatusCallbackEvent events asked for (initiated, ringing,
  answered, completed), by default only completed, as Twilio does.

The URL is the send's StatusCallback, else its application's
(message_status_callback / status_callback), else the status_callback set on
the sending number. The Deliverer's one thread wakes when the next step is
due, or every POLL seconds to see another process's changes (an advanced
clock); it applies only what is due, and the request that created the send
is answered at once.
"""

from __future__ import annotations

import copy
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from ...errors import ConfigError
from ..store import Store, clock
from . import outbound

if TYPE_CHECKING:
    from ..app import Emulator
    from ..http.handlers import Request

# www.twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks:
# "A status callback request is not sent for the initial status".
MESSAGE_REPORTED = {"queued", "sent", "delivered", "undelivered", "failed", "canceled"}
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
OUTBOX = "outbox"
POLL = 0.25  # seconds between looks at a state another process may change


class Deliverer:
    """Background delivery of status callbacks for one Emulator."""

    def __init__(
        self,
        emulator: Emulator,
        *,
        allow_remote: bool = False,
        report: Callable[[str], None] | None = None,
        timeout: float = outbound.TIMEOUT,
    ) -> None:
        self.emulator = emulator
        self.allow_remote = allow_remote
        self.timeout = timeout
        self.report = report or _stderr
        self.sent: list[tuple[str, dict[str, str], int | None]] = []  # for tests
        self._wake = threading.Condition()
        self._kicked = False
        self._posting = 0  # entries taken from the outbox, not yet posted
        self._stopped = False
        self._thread = threading.Thread(
            target=self._run, name="sandbox-webhooks", daemon=True
        )
        self._thread.start()
        emulator.listeners.append(self.observe)

    def observe(self, request: Request, status: int, body: Any) -> None:
        """Called by the emulator (in the request's transaction) for every API
        response: a new send with a callback gets it on its timeline row."""
        if request.method != "POST" or status != 201 or not isinstance(body, dict):
            return
        kind = _kind(request.path, body)
        store = self.emulator.store
        row = clock.pending(store, body["sid"]) if kind else None
        if kind is None or row is None:
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
        row["callback"] = {"url": url, "method": method, "events": sorted(events)}
        if kind == "calls":  # a call's first event, initiated, is its creation
            record = store.records(kind)[body["sid"]]
            queue(store, row, record, record["status"], store.now())
        self._kick()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is due and every queued callback was posted;
        False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.emulator.locked() as store:
                due = clock.next_due(store.state)
                idle = not store.records(OUTBOX) and not self._posting
                if idle and (due is None or due > store.now()):
                    return True
            self._kick()
            time.sleep(0.01)
        return False

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify_all()
        if self.observe in self.emulator.listeners:
            self.emulator.listeners.remove(self.observe)

    def _kick(self) -> None:
        with self._wake:
            self._kicked = True
            self._wake.notify_all()

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

    def _run(self) -> None:
        while True:
            with self._wake:
                if self._stopped:
                    return
            try:
                entries, wait = self._take()
                for entry in entries:
                    self._post(entry)
            except Exception as exc:  # a bug must not kill the delivery thread
                self.report(f"webhook delivery failed: {type(exc).__name__}: {exc}")
                entries, wait = [], POLL
            finally:
                with self._wake:
                    self._posting = 0
            if entries:
                continue
            with self._wake:
                if not self._kicked and not self._stopped:
                    self._wake.wait(wait)
                self._kicked = False

    def _take(self) -> tuple[list[dict[str, Any]], float]:
        """The outbox's entries, removed from it in one transaction (so no
        other process posts them), and how long to sleep when there were none."""
        with self.emulator.locked() as store:  # its transaction applies what is due
            outbox = store.records(OUTBOX)
            entries = [copy.deepcopy(entry) for entry in outbox.values()]
            for key in list(outbox):
                del outbox[key]
            with self._wake:
                self._posting = len(entries)
            due, now = clock.next_due(store.state), store.now()
        if due is None or store.state.get("clock", {}).get("mode") == clock.MANUAL:
            return entries, POLL
        return entries, min(POLL, max(0.0, (due - now).total_seconds()))

    def _post(self, entry: dict[str, Any]) -> None:
        url, method = entry["url"], entry["method"]
        params = [tuple(pair) for pair in entry["params"]]
        # Signed with the token of the account the send belongs to.
        token = self.emulator.token_of(dict(params).get("AccountSid"))
        reply = outbound.send(url, params, token, method, self.timeout)
        self.sent.append((url, dict(params), reply.status))
        outcome = reply.status if reply.status is not None else reply.error
        self.report(f"webhook {method} {url} ({entry['what']}) → {outcome}")


def queue(
    store: Store,
    row: dict[str, Any],
    record: dict[str, Any],
    status: str,
    due: datetime,
) -> None:
    """Put the callback for a send's new status in the outbox, if Twilio
    reports that status to where this send reports."""
    target = row.get("callback")
    if not target:
        return
    posted = int(row.get("posted", 0))
    if row["kind"] == "messages":
        if status not in MESSAGE_REPORTED:
            return
        params = message_params(record)
    else:
        event = CALL_EVENTS.get(status)
        if event not in target["events"]:
            return
        params = call_params(record, event, posted, due)
    row["posted"] = posted + 1
    key = f"{record['sid']}.{posted}"
    store.records(OUTBOX)[key] = {
        "sid": key,
        "url": target["url"],
        "method": target["method"],
        "what": status,
        "params": [list(pair) for pair in params],
    }


clock.on_stepped(queue)


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


def call_params(
    record: dict, event: str, sequence: int, moment: datetime
) -> list[tuple[str, str]]:
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
        ("Timestamp", format_datetime(moment.replace(microsecond=0))),
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
