"""The emulator's state: one account, a dict of records per kind, injected faults.

State is plain JSON so it can be saved between CLI runs. Records are kept in
their response shape, in creation order (dicts keep insertion order, which is
also date_created order), so listing never sorts. SIDs are derived from a
counter, which makes a fresh emulator hand out the same SIDs every run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import date, datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigError

# 2: subaccounts, messages, calls, verifications and the usage history anchor.
STATE_VERSION = 2


def rfc2822(moment: datetime) -> str:
    """``Thu, 30 Jul 2015 23:19:04 +0000``, as v2010 resources write dates."""
    return format_datetime(moment.replace(microsecond=0))


def iso8601(moment: datetime) -> str:
    """``2015-07-30T20:00:00Z``, as Verify writes dates."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Store:
    """JSON-shaped state plus the few operations every kind needs."""

    def __init__(self, state: dict[str, Any]) -> None:
        if state.get("version") != STATE_VERSION:
            raise ValueError(
                f"unsupported emulator state version {state.get('version')}"
            )
        self.state = state
        self.dirty = False  # changed by a read (a status advanced on fetch)

    @classmethod
    def empty(cls, account_sid: str) -> Store:
        return cls(
            {
                "version": STATE_VERSION,
                "account_sid": account_sid,
                "counter": 0,
                # The seeded usage history ends the day before this date.
                "history_anchor": utcnow().date().isoformat(),
                "collections": {},
                "faults": [],
            }
        )

    @classmethod
    def load(cls, path: Path) -> Store:
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"The sandbox state file {path} cannot be read ({exc}). Delete it "
                "to start the sandbox afresh, or set TWILIO_IAC_SANDBOX_STATE to "
                "another path."
            ) from exc
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise ConfigError(
                f"The sandbox state file {path} was written by another version of "
                "twilio-iac. Delete it to start the sandbox afresh."
            )
        try:
            check_state(state)
        except ValueError as exc:
            raise ConfigError(
                f"The sandbox state file {path} is corrupt ({exc}); delete it to "
                "start afresh."
            ) from None
        return cls(state)

    def save(self, path: Path) -> None:
        """Write atomically: a reader never sees half a file."""
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps(self.state, separators=(",", ":"))
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if exc.filename and str(exc.filename) != str(path):
                reason += f": {exc.filename}"
            raise ConfigError(
                f"The sandbox state cannot be saved to {path} ({reason}). Set "
                "TWILIO_IAC_SANDBOX_STATE (or `emulator serve --state`) to a "
                "writable file path."
            ) from None

    @property
    def account_sid(self) -> str:
        return self.state["account_sid"]

    def records(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.state["collections"].setdefault(kind, {})

    def new_sid(self, prefix: str) -> str:
        self.state["counter"] += 1
        seed = f"{self.account_sid}:{prefix}:{self.state['counter']}".encode()
        return prefix + hashlib.sha256(seed).hexdigest()[:32]

    def take_dirty(self) -> bool:
        dirty, self.dirty = self.dirty, False
        return dirty

    def add_fault(self, fault: dict[str, Any]) -> None:
        check_fault(fault)  # fail now, not on the next request
        self.state["faults"].append(fault)

    def take_fault(self, method: str, path: str) -> tuple[dict[str, Any] | None, bool]:
        """The fault this request triggers, if any, and whether any fault changed."""
        changed = False
        for fault in list(self.state["faults"]):
            if fault["method"] not in (method, "*"):
                continue
            if not re.search(fault["path_regex"], path):
                continue
            changed = True
            if fault["after"] > 0:
                fault["after"] -= 1
                continue
            fault["times"] -= 1
            if fault["times"] <= 0:
                self.state["faults"].remove(fault)
            return fault, changed
        return None, changed


_STATE_FIELDS = {
    "account_sid": str,
    "counter": int,
    "history_anchor": str,
    "collections": dict,
    "faults": list,
}
_FAULT_FIELDS = {
    "method": str,
    "path_regex": str,
    "times": int,
    "after": int,
    "headers": dict,
    "apply": bool,
}
# Fields added after state version 2 was first written, with their defaults.
_FAULT_DEFAULTS = {"headers": {}, "delay": 0.0, "apply": False}


def check_state(state: dict[str, Any]) -> None:
    """ValueError naming the first part of a loaded state with the wrong shape."""
    _check_fields(state, _STATE_FIELDS)
    try:
        date.fromisoformat(state["history_anchor"])
    except ValueError:
        raise ValueError("history_anchor is not a YYYY-MM-DD date") from None
    for kind, records in state["collections"].items():
        _expect(records, dict, f"collections.{kind}")
        for sid, record in records.items():
            _expect(record, dict, f"collections.{kind}.{sid}")
            if record.get("sid") != sid:
                raise ValueError(f"collections.{kind}.{sid} has another sid")
    for index, fault in enumerate(state["faults"]):
        _expect(fault, dict, f"faults[{index}]")
        try:
            check_fault(fault)
        except ValueError as exc:
            raise ValueError(f"faults[{index}].{exc}") from None
    checks = state.get("verification_checks", {})
    _expect(checks, dict, "verification_checks")
    for sid, attempts in checks.items():
        _expect(attempts, int, f"verification_checks.{sid}")


def check_fault(fault: dict[str, Any]) -> None:
    """ValueError unless every field add_fault stores is there, with its type."""
    for name, default in _FAULT_DEFAULTS.items():
        fault.setdefault(name, default)
    _check_fields(fault, _FAULT_FIELDS)
    if fault.get("status") is None:
        fault["status"] = None
        if fault["apply"] is False and fault["delay"] == 0:
            raise ValueError("status is missing (or give a delay, or apply)")
    else:
        for name, kind in (("status", int), ("code", int), ("message", str)):
            if name not in fault:
                raise ValueError(f"{name} is missing")
            _expect(fault[name], kind, name)
    delay = fault["delay"]
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        raise ValueError("delay should be a number of seconds, 0 or more")
    for name, value in fault["headers"].items():
        _expect(value, str, f"headers.{name}")
    try:
        re.compile(fault["path_regex"])
    except re.error as exc:
        raise ValueError(f"path_regex {fault['path_regex']!r}: {exc}") from None


_JSON_NAMES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    int: "a whole number",
    bool: "true/false",
    float: "a fraction",
    type(None): "null",
}


def _check_fields(obj: dict[str, Any], fields: dict[str, type]) -> None:
    for name, kind in fields.items():
        if name not in obj:
            raise ValueError(f"{name} is missing")
        _expect(obj[name], kind, name)


def _expect(value: Any, kind: type, where: str) -> None:
    # bool is an int to isinstance, but never a valid counter or status.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        shown = _JSON_NAMES.get(type(value), type(value).__name__)
        raise ValueError(f"{where} should be {_JSON_NAMES[kind]}, not {shown}")
