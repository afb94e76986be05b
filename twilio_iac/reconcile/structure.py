"""Structured values (a Studio flow's definition) compared as data, change by change.

Both sides are parsed already, so whitespace and key order never differ. A
definition's widgets are matched by name, so a change reads
``states["greeting"].properties.say``; canvas positions (``properties.offset``)
count as changes but are summarised as the widgets that moved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from twilio_iac.model import Ref

_ABSENT = object()


@dataclass(frozen=True)
class Difference:
    path: str  # states["greeting"].properties.say
    before: Any  # _ABSENT-free: None when the key was absent
    after: Any
    added: bool = False
    removed: bool = False


@dataclass(frozen=True)
class Differences:
    changes: tuple[Difference, ...]
    moved: tuple[str, ...]  # widgets whose only canvas position changed
    widgets: tuple[str, ...] = ()  # widgets with a change beyond their position

    def summary(self) -> str:
        """What changes in a few words: the widgets, the canvas, the rest."""
        parts = list(self.widgets)
        if any(not d.path.startswith("states[") for d in self.changes):
            parts.insert(0, "settings")
        if self.moved:
            parts.append("canvas")
        return ", ".join(parts)

    def lines(self) -> list[tuple[str, str]]:
        """(path, "before → after") rows, the moved widgets in one row."""
        rows = []
        for d in self.changes:
            if d.added:
                rows.append((d.path, f"added {shown(d.after)}"))
            elif d.removed:
                rows.append((d.path, "removed"))
            else:
                rows.append((d.path, f"{shown(d.before)} → {shown(d.after)}"))
        if self.moved:
            count = len(self.moved)
            noun = "widget" if count == 1 else "widgets"
            rows.append(("canvas", f"{count} {noun} moved ({', '.join(self.moved)})"))
        return rows


def shown(value: Any) -> str:
    """JSON text, a reference as it is written in a flow file."""
    return json.dumps(_written(value), ensure_ascii=False)


def _written(value: Any) -> Any:
    if isinstance(value, Ref):
        prefix = {"studio_flows": "flow"}.get(value.kind, value.kind.split(".")[-1])
        return {"ref": f"{prefix}:{value.name}"}
    if isinstance(value, dict):
        return {key: _written(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_written(item) for item in value]
    return value


def definition(before: Any, after: Any) -> Differences:
    """What changes from one flow definition to the other."""
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return Differences((Difference("definition", before, after),), ())
    changes: list[Difference] = []
    moved: list[str] = []
    rest = set(before) | set(after)
    rest.discard("states")
    for key in sorted(rest):
        changes += _walk(key, before.get(key, _ABSENT), after.get(key, _ABSENT))
    widgets: list[str] = []
    old, new = _widgets(before), _widgets(after)
    for name in [*old, *(n for n in new if n not in old)]:
        path = f"states[{json.dumps(name, ensure_ascii=False)}]"
        widget = _walk(path, old.get(name, _ABSENT), new.get(name, _ABSENT))
        offset = f"{path}.properties.offset"
        if any(d.path.startswith(offset) for d in widget):
            moved.append(name)
        kept = [d for d in widget if not d.path.startswith(offset)]
        widgets += [name] if kept else []
        changes += kept
    return Differences(tuple(changes), tuple(moved), tuple(widgets))


def summary(value: Any) -> str:
    """A new definition in one line: its widgets by name."""
    widgets = list(_widgets(value)) if isinstance(value, dict) else []
    if not widgets:
        return shown(value)
    return f"{len(widgets)} widgets: {', '.join(widgets)}"


def _widgets(data: dict[str, Any]) -> dict[str, Any]:
    states = data.get("states")
    if not isinstance(states, list):
        return {}
    return {
        str(s.get("name")) if isinstance(s, dict) else str(i): s
        for i, s in enumerate(states)
    }


def _walk(path: str, before: Any, after: Any) -> list[Difference]:
    if before == after:
        return []
    if before is _ABSENT:
        return [Difference(path, None, after, added=True)]
    if after is _ABSENT:
        return [Difference(path, before, None, removed=True)]
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in [*before, *(k for k in after if k not in before)]:
            found += _walk(
                f"{path}.{key}", before.get(key, _ABSENT), after.get(key, _ABSENT)
            )
        return found
    if (
        isinstance(before, list)
        and isinstance(after, list)
        and len(before) == len(after)
    ):
        found = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            found += _walk(f"{path}[{index}]", old, new)
        return found
    return [Difference(path, before, after)]
