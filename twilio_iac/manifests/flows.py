"""A Studio flow's definition: read from its manifest or its file, checked offline.

The definition is JSON (or YAML) read with the located loader, so every
problem names the file and line that wrote it. The checks are Twilio's own
(the shape, unique widget names, initial_state and every transition naming a
widget) plus references: a SID-valued widget property may be written
``{"ref": "flow:<friendly_name>"}``, ``{"ref": "workflow:<workspace>/<workflow>"}``
or ``{"ref": "task_channel:<workspace>/<unique_name>"}``, resolved per account
at plan time. What only Twilio knows is asked of its Validate endpoint at plan.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from twilio_iac.manifests import located
from twilio_iac.manifests.located import Entry, Located, LocatedList, Reason
from twilio_iac.model import Ref
from twilio_iac.resources import REGISTRY

KIND = "studio_flows"
TASKROUTER = "taskrouter_workspaces"
# ref prefix → (the kind it names, the part of a workspace, its identity there)
REFS: dict[str, tuple[str, str | None, str | None]] = {
    "flow": (KIND, None, None),
    "workflow": (TASKROUTER, "workflows", "friendly_name"),
    "task_channel": (TASKROUTER, "task_channels", "unique_name"),
}


class Source:
    """Where a definition was written: its file, and the entry it belongs to."""

    def __init__(self, entry: Entry, file: str, data: Any, inline: bool) -> None:
        self.entry = entry
        self.file = file
        self.data = data
        # Inline, a path names its entry too; a flow file is the flow's alone.
        self.prefix = f"{entry.path}.definition." if inline else ""

    def reason(self, line: int, path: str, message: str) -> Reason:
        where = (self.prefix + path).rstrip(".")
        return Reason(self.file, line or self.entry.data.line(), where, message)


def source(entry: Entry) -> Source | Reason:
    """The entry's definition as written, or why it cannot be read. A later
    layer's override may set it: its file is then the one it is relative to."""
    named = entry.data.get("definition_file")
    if named is None:
        data = entry.data.get("definition")
        owner = entry.origins.get("definition", entry)
        if isinstance(data, str):  # JSON text inline
            try:
                data = located.load(data)
            except yaml.YAMLError as exc:
                return owner.reason("definition", f"is not JSON: {exc}")
        return Source(owner, owner.file, data, inline=True)
    owner = entry.origins.get("definition_file", entry)
    path = Path(owner.file).parent / str(named)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        return owner.reason("definition_file", f"cannot read {path}: {why}")
    try:
        return Source(owner, str(path), located.load(text), inline=False)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return Reason(str(path), line, "", f"is not valid JSON or YAML: {exc}")


def definition(entry: Entry) -> Any:
    """The definition as plain data, references as Refs (after check())."""
    found = source(entry)
    if isinstance(found, Reason):
        raise ValueError(str(found))  # check() has reported it already
    return _resolved(found.data)


def _resolved(value: Any) -> Any:
    target = ref_target(value)
    if target is not None:
        return target
    if isinstance(value, Mapping):
        return {str(k): _resolved(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v) for v in value]
    return value


def ref_target(value: Any) -> Ref | None:
    """``{"ref": "flow:Main IVR"}`` → Ref(studio_flows, Main IVR); else None."""
    if not (isinstance(value, Mapping) and set(value) == {"ref"}):
        return None
    prefix, _, name = str(value["ref"]).partition(":")
    if prefix not in REFS or not name:
        return None
    kind, part, _ = REFS[prefix]
    return Ref(f"{kind}.{part}" if part else kind, name)


def check(entries: Iterable[Entry], names: Mapping[str, set[str]]) -> list[Reason]:
    """Every problem of every flow's definition, each at its file:line."""
    entries = list(entries)
    parts = _workspace_parts(entries)
    problems: list[Reason] = []
    for entry in entries:
        if entry.kind != KIND or entry.section:
            continue
        if "definition" in entry.data and "definition_file" in entry.data:
            message = "give either definition or definition_file, not both"
            problems.append(entry.reason("definition_file", message))
            continue
        found = source(entry)
        if isinstance(found, Reason):
            problems.append(found)
            continue
        problems += _shape(found)
        problems += _references(found, found.data, "", names, parts)
    return problems


def _shape(src: Source) -> list[Reason]:
    data = src.data
    if not isinstance(data, Located):
        return [src.reason(0, "", "must be a JSON object")]
    problems = []
    states = data.get("states")
    if not isinstance(states, LocatedList):
        return [src.reason(data.line(), "states", "is required: a list of widgets")]
    names: dict[str, int] = {}
    for index, state in enumerate(states):
        problems += _widget(src, states, index, state, names)
    initial = data.get("initial_state")
    if not isinstance(initial, str):
        problems.append(src.reason(data.line(), "initial_state", "is required"))
    elif initial not in names:
        message = f"names no widget: {json.dumps(initial)}{_known(names)}"
        problems.append(
            src.reason(data.line("initial_state"), "initial_state", message)
        )
    for state in states:
        problems += _transitions(src, state, names)
    return problems


def _widget(
    src: Source, states: LocatedList, index: int, state: Any, names: dict[str, int]
) -> list[Reason]:
    where = f"states[{index}]"
    if not isinstance(state, Located):
        return [src.reason(states.line(index), where, "must be a widget (a mapping)")]
    name = state.get("name")
    problems = []
    if not isinstance(name, str) or not name:
        problems.append(src.reason(state.line(), where, "needs a name"))
    elif name in names:
        message = (
            f"widget name {json.dumps(name)} is used twice (first in "
            f"states[{names[name]}]); names must be unique"
        )
        problems.append(src.reason(state.line("name"), f"{where}.name", message))
    else:
        names[name] = index
    if not isinstance(state.get("type"), str):
        problems.append(src.reason(state.line(), f"{where}.type", "is required"))
    if not isinstance(state.get("transitions", []), list):
        message = "must be a list"
        problems.append(
            src.reason(state.line("transitions"), f"{where}.transitions", message)
        )
    return problems


def _transitions(src: Source, state: Any, names: dict[str, int]) -> list[Reason]:
    if not isinstance(state, Located) or not isinstance(state.get("name"), str):
        return []
    transitions = state.get("transitions")
    if not isinstance(transitions, LocatedList):
        return []
    problems = []
    for number, transition in enumerate(transitions):
        where = f'states["{state["name"]}"].transitions[{number}]'
        if not isinstance(transition, Located):
            message = "must be a mapping with event and next"
            problems.append(src.reason(transitions.line(number), where, message))
            continue
        target = transition.get("next")
        if target is not None and target not in names:
            message = f"next names no widget: {json.dumps(target)}{_known(names)}"
            problems.append(
                src.reason(transition.line("next"), f"{where}.next", message)
            )
    return problems


def _known(names: Mapping[str, int]) -> str:
    return f" (widgets: {', '.join(sorted(names))})" if names else ""


def _references(
    src: Source,
    value: Any,
    path: str,
    names: Mapping[str, set[str]],
    parts: Mapping[tuple[str, str], set[str]],
) -> list[Reason]:
    if isinstance(value, Located) and "ref" in value:
        return _reference(src, value, path, names, parts)
    items: Iterable[tuple[str, Any]] = ()
    if isinstance(value, Mapping):
        items = ((f"{path}.{key}" if path else str(key), v) for key, v in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    problems = []
    for where, item in items:
        problems += _references(src, item, where, names, parts)
    return problems


def _reference(
    src: Source,
    value: Located,
    path: str,
    names: Mapping[str, set[str]],
    parts: Mapping[tuple[str, str], set[str]],
) -> list[Reason]:
    line = value.line("ref")
    written = value.get("ref")
    prefix, _, name = str(written).partition(":")
    if set(value) != {"ref"} or prefix not in REFS or not name:
        message = (
            f'a reference is written {{"ref": "<kind>:<name>"}} with kind one of '
            f"{', '.join(REFS)}, not {json.dumps(dict(value))}"
        )
        return [src.reason(line, path, message)]
    kind, part, _ = REFS[prefix]
    if kind not in REGISTRY:
        message = (
            f"{json.dumps(written)} needs the {kind} kind, which this version of "
            "twilio-iac does not have yet; write the SID instead"
        )
        return [src.reason(line, path, message)]
    if part is None:
        if name in names.get(kind, set()):
            return []
        message = (
            f"no Studio flow named {json.dumps(name)} is declared in the manifests"
        )
        return [src.reason(line, path, message)]
    workspace, _, member = name.partition("/")
    if member and member in parts.get((workspace, part), set()):
        return []
    message = (
        f"{json.dumps(written)}: write {prefix}:<workspace>/<name>, naming a "
        f"workspace declared in the manifests and one of its {part}"
    )
    return [src.reason(line, path, message)]


def _workspace_parts(entries: list[Entry]) -> dict[tuple[str, str], set[str]]:
    """(workspace, part) → the names declared in it: what task refs may name."""
    found: dict[tuple[str, str], set[str]] = {}
    for entry in entries:
        if entry.kind != TASKROUTER or entry.section:
            continue
        workspace = str(entry.data.get("friendly_name"))
        for _, part, identity in REFS.values():
            if part is None or identity is None:
                continue
            items = entry.data.get(part) or []
            names = {str(i.get(identity)) for i in items if isinstance(i, Mapping)}
            found[(workspace, part)] = names
    return found
