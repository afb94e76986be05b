"""The emulator's state: one account, records per kind, injected faults.

The state is JSON-shaped: records are kept in their response shape, per kind
in creation order (dicts keep insertion order, which is also date_created
order), so listing never sorts. SIDs are derived from a counter, which makes a
fresh emulator hand out the same SIDs every run.

Handlers work on the records in memory; a Store with a state file (statefile.py)
writes what one request changed in one transaction. Every change is noticed
without scanning (records.py). Each transaction starts by applying what the
sandbox's clock has made due (clock.py); ``now()`` is the sandbox's time.
The clock (``clock``, ``timeline_next``) and the ``timeline`` collection
arrived within version 3: a state without them follows real time.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import format_datetime
from typing import Any, Protocol

from . import clock
from .records import Changes, Record, RecordMap

__all__ = ["Record", "RecordMap", "Store", "iso8601", "rfc2822", "utcnow"]

# 2: subaccounts, messages, calls, verifications and the usage history anchor.
# 3: the state file is SQLite, one row per record (a JSON file of 2 is migrated).
STATE_VERSION = 3


def rfc2822(moment: datetime) -> str:
    """``Thu, 30 Jul 2015 23:19:04 +0000``, as v2010 resources write dates."""
    return format_datetime(moment.replace(microsecond=0))


def iso8601(moment: datetime) -> str:
    """``2015-07-30T20:00:00Z``, as Verify writes dates."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


utcnow = clock.utcnow


@dataclass
class Catchup:
    """Another process's changes: the state but records, records written, removed."""

    meta: dict[str, Any]
    written: list[tuple[str, str, dict[str, Any]]]
    removed: list[tuple[str, str]]


class Database(Protocol):
    """Where a Store keeps its state between processes (statefile.Database)."""

    def begin(self) -> bool:
        """Start a write transaction; True when another process changed the state."""

    def read(self) -> dict[str, Any]: ...

    def read_changes(self) -> Catchup:
        """What other processes changed since this one's last transaction."""

    def write(self, rows: list[tuple[str, str, str | None]], meta: str | None) -> None:
        """Upsert (kind, sid, JSON) rows, delete rows whose JSON is None."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...


class Store:
    """JSON-shaped state plus the few operations every kind needs."""

    def __init__(self, state: dict[str, Any], database: Database | None = None) -> None:
        if state.get("version") != STATE_VERSION:
            raise ValueError(
                f"unsupported emulator state version {state.get('version')}"
            )
        self.database = database
        self.dirty = False  # changed by a read (a kind's Behaviour.on_fetch)
        self._changes: Changes = {}
        self._depth = 0
        self._stale = False
        self._adopt(state)

    def _adopt(self, state: dict[str, Any]) -> None:
        self._changes.clear()
        self.state = state
        collections = state["collections"]
        for kind in list(collections):
            collections[kind] = RecordMap(kind, self._changes, collections[kind])
        self._meta = self._meta_json()

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
                "clock": {"mode": clock.REAL, "offset": 0.0},
            }
        )

    @property
    def account_sid(self) -> str:
        return self.state["account_sid"]

    def records(self, kind: str) -> RecordMap:
        collections = self.state["collections"]
        records = collections.get(kind)
        if not isinstance(records, RecordMap):
            records = RecordMap(kind, self._changes, records or {})
            collections[kind] = records
            self._changes.update(dict.fromkeys((kind, sid) for sid in records))
        return records

    def new_sid(self, prefix: str) -> str:
        self.state["counter"] += 1
        seed = f"{self.account_sid}:{prefix}:{self.state['counter']}".encode()
        return prefix + hashlib.sha256(seed).hexdigest()[:32]

    def now(self) -> datetime:
        """The sandbox's time: real time plus the clock's offset, or the
        manual clock's instant."""
        return clock.now(self.state)

    def advance(self, seconds: float) -> None:
        """Move the sandbox's clock forward, and apply what became due."""
        clock.advance(self.state, seconds)
        clock.settle(self)

    def set_clock(self, mode: str) -> None:
        """``manual``: stop the clock at its current time; ``real``: let it run."""
        clock.set_mode(self.state, mode)

    def take_dirty(self) -> bool:
        dirty, self.dirty = self.dirty, False
        return dirty

    # --- persistence ----------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One request's changes, written at once (nested calls join the outer).

        Changes made outside a transaction are written at the start of the next
        one; a state another process changed is read again first.
        """
        if self.database is None or self._depth:
            self._depth += 1
            try:
                if self._depth == 1:
                    clock.settle(self)
                yield
            finally:
                self._depth -= 1
                if self.database is None and not self._depth:
                    self._changes.clear()  # in memory only: nothing to write
            return
        database = self.database
        self._depth = 1
        try:
            changed_elsewhere = database.begin()
            if changed_elsewhere or self._stale:
                self._flush(database)  # what was changed here outside a request
                if self._stale:
                    self._adopt(database.read())
                else:
                    self._catch_up(database.read_changes())
                self._stale = False
            clock.settle(self)
            yield
            self._flush(database)
            database.commit()
        except BaseException:
            database.rollback()
            self._stale = True  # memory may hold what was not written
            raise
        finally:
            self._depth = 0

    def _catch_up(self, changes: Catchup) -> None:
        """Apply another process's changes: cost in proportion to them."""
        collections = self.state["collections"]
        self.state.clear()
        self.state.update(changes.meta)
        self.state["collections"] = collections
        for kind, sid in changes.removed:
            if kind in collections:
                self.records(kind).drop(sid)
        for kind, sid, record in changes.written:
            self.records(kind).load(sid, record)
        self._meta = self._meta_json()

    def save(self) -> None:
        """Write what was changed outside a transaction."""
        with self.transaction():
            pass

    def close(self) -> None:
        if self.database is not None:
            self.database.close()

    def _flush(self, database: Database) -> None:
        rows = []
        for kind, sid in self._changes:
            record = self.state["collections"].get(kind, {}).get(sid)
            rows.append((kind, sid, None if record is None else json.dumps(record)))
        meta = self._meta_json()
        if rows or meta != self._meta:
            database.write(rows, meta if meta != self._meta else None)
        self._changes.clear()
        self._meta = meta

    def _meta_json(self) -> str:
        """Everything but the records: counter, anchor, faults, checks."""
        return json.dumps(
            {key: value for key, value in self.state.items() if key != "collections"},
            sort_keys=True,
        )

    # --- faults ---------------------------------------------------------------

    def add_fault(self, fault: dict[str, Any]) -> None:
        check_fault(fault)  # fail now, not on the next request
        self.state["faults"].append(fault)

    def take_fault(self, method: str, path: str) -> dict[str, Any] | None:
        """The fault this request triggers, if any."""
        for fault in list(self.state["faults"]):
            if fault["method"] not in (method, "*"):
                continue
            if not re.search(fault["path_regex"], path):
                continue
            if fault["after"] > 0:
                fault["after"] -= 1
                continue
            fault["times"] -= 1
            if fault["times"] <= 0:
                self.state["faults"].remove(fault)
            return fault
        return None


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
