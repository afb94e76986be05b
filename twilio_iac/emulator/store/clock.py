"""The sandbox's clock, and the timeline of what is due on it.

The sandbox's time is the real time plus an offset (a clock that follows real
time), or a stopped instant (a manual clock, which moves only when advanced).
Both are kept in the state (``clock``), so every process sharing a state file
reads the same time, and advancing it is one write.

What happens later (a message delivered, a call answered) is a row of the
``timeline`` collection: a record's kind and SID, and its steps, each a due
instant and the status it reaches then. Nothing runs in the background to
apply them: each transaction of the store first applies the steps that are
due (``settle``), each through the function its kind registered here, so a
fetch, a list, a filter, a delete and a status callback all see one state at
one moment. ``timeline_next`` holds the earliest due instant, so a request
with nothing due pays nothing. A step is applied with its own due instant, not
the time someone looked: a message's ``date_sent`` is when it was sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import Store

REAL, MANUAL = "real", "manual"
MODES = (REAL, MANUAL)
TIMELINE = "timeline"
# (store, record, status, due): bring one record to the status due then.
Step = Callable[["Store", dict[str, Any], str, datetime], None]
# (store, timeline row, record, status, due): told of every step applied.
Listener = Callable[["Store", dict[str, Any], dict[str, Any], str, datetime], None]

_STEPS: dict[str, Step] = {}
_LISTENERS: list[Listener] = []
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def on_step(kind: str, step: Step) -> None:
    """Register how a ``kind`` record reaches a status of its timeline."""
    _STEPS[kind] = step


def on_stepped(listener: Listener) -> None:
    """Call ``listener`` after each step applied (status callbacks queue there)."""
    _LISTENERS.append(listener)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def seconds(value: str | float | int) -> float:
    """Seconds from 90, "90s", "1.5m", "2h", "1d" or "500ms"; ValueError else."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, (int, float)):
        amount = float(value)
    else:
        found = _DURATION.match(value)
        if not found:
            raise ValueError(f"{value!r} is not a duration; write e.g. 90s, 5m or 2h")
        amount = float(found.group(1)) * _UNITS[found.group(2)]
    if amount < 0:
        raise ValueError("the clock only moves forward")
    return amount


def _clock(state: dict[str, Any]) -> dict[str, Any]:
    # State files from before the clock follow real time, unshifted.
    return state.get("clock") or {"mode": REAL, "offset": 0.0}


def now(state: dict[str, Any]) -> datetime:
    clock = _clock(state)
    if clock["mode"] == MANUAL:
        return datetime.fromisoformat(clock["at"])
    return utcnow() + timedelta(seconds=clock["offset"])


def describe(state: dict[str, Any]) -> dict[str, Any]:
    """The clock as the control route shows it."""
    clock = _clock(state)
    offset = clock.get("offset", 0.0)
    moment = now(state)
    return {
        "now": moment.isoformat().replace("+00:00", "Z"),
        "mode": clock["mode"],
        "offset_seconds": offset if clock["mode"] == REAL else None,
    }


def set_mode(state: dict[str, Any], mode: str) -> None:
    """Stop the clock at the sandbox's current time, or let it run from there."""
    if mode not in MODES:
        raise ValueError(f"clock mode {mode!r} is not one of {', '.join(MODES)}")
    clock = _clock(state)
    if clock["mode"] == mode and "clock" in state:
        return
    moment = now(state)
    if mode == MANUAL:
        state["clock"] = {"mode": MANUAL, "at": moment.isoformat()}
    else:
        offset = (moment - utcnow()).total_seconds()
        state["clock"] = {"mode": REAL, "offset": offset}


def advance(state: dict[str, Any], by: float) -> None:
    if by < 0:
        raise ValueError("the clock only moves forward")
    clock = dict(_clock(state))
    if clock["mode"] == MANUAL:
        at = datetime.fromisoformat(clock["at"]) + timedelta(seconds=by)
        clock["at"] = at.isoformat()
    else:
        clock["offset"] = clock["offset"] + by
    state["clock"] = clock


def schedule(
    store: Store,
    kind: str,
    sid: str,
    steps: Iterable[tuple[datetime, str]],
    **extra: Any,
) -> dict[str, Any]:
    """Put a record's coming steps on the timeline (replacing any it had)."""
    row = {
        "sid": sid,
        "kind": kind,
        "steps": [[due.isoformat(), status] for due, status in sorted(steps)],
        **extra,
    }
    store.records(TIMELINE)[sid] = row
    if row["steps"]:
        _note_due(store.state, datetime.fromisoformat(row["steps"][0][0]))
    return store.records(TIMELINE)[sid]


def unschedule(store: Store, sid: str) -> None:
    """Nothing more happens to this record on its own (it was ended, deleted)."""
    store.records(TIMELINE).pop(sid, None)


def pending(store: Store, sid: str) -> dict[str, Any] | None:
    return store.records(TIMELINE).get(sid)


def settle(store: Store) -> None:
    """Apply every step due by the sandbox's now, in due order per record."""
    state = store.state
    due_at = state.get("timeline_next")
    moment = now(state)
    if due_at is None or datetime.fromisoformat(due_at) > moment:
        return
    rows = store.records(TIMELINE)
    for sid, row in list(rows.items()):
        steps = list(row["steps"])
        while steps and datetime.fromisoformat(steps[0][0]) <= moment:
            when, status = steps.pop(0)
            _apply(store, row, status, datetime.fromisoformat(when))
        if rows.get(sid) is not row:
            continue  # the step ended (or replaced) the record's timeline
        if steps:
            row["steps"] = steps
        else:
            del rows[sid]
    # Again over every row: a step may have put new ones on the timeline.
    firsts = [datetime.fromisoformat(row["steps"][0][0]) for row in rows.values()]
    state["timeline_next"] = min(firsts).isoformat() if firsts else None


def announce(store: Store, record: dict[str, Any], status: str, when: datetime) -> None:
    """Tell the listeners of a status a record reached off its timeline (a
    scheduled message canceled), as if it had been one of its steps."""
    row = store.records(TIMELINE).get(record["sid"])
    if row is not None:
        for listener in _LISTENERS:
            listener(store, row, record, status, when)


def next_due(state: dict[str, Any]) -> datetime | None:
    due_at = state.get("timeline_next")
    return None if due_at is None else datetime.fromisoformat(due_at)


def _apply(store: Store, row: dict[str, Any], status: str, due: datetime) -> None:
    record = store.records(row["kind"]).get(row["sid"])
    if record is None:  # removed out of band
        store.records(TIMELINE).pop(row["sid"], None)
        return
    _STEPS[row["kind"]](store, record, status, due)
    for listener in _LISTENERS:
        listener(store, row, record, status, due)


def _note_due(state: dict[str, Any], due: datetime) -> None:
    current = next_due(state)
    if current is None or due < current:
        state["timeline_next"] = due.isoformat()
