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
from datetime import datetime, timezone
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
        return cls(state)

    def save(self, path: Path) -> None:
        """Write atomically: a reader never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.state, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)

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
        re.compile(fault["path_regex"])  # fail now, not on the next request
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
