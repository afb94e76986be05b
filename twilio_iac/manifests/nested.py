"""Children that name each other, offline (resources/pools.py ``Children``
with ``names_part`` fields: a queue's activities, a workflow's queues).

inline_files() reads each ``configuration_file`` into the field it stands
for; check() refuses a name that no child of the same owner has, with the
manifest's file:line. A part left out of the entry is unmanaged, so its names
cannot be checked and are left to Twilio.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from twilio_iac.manifests import located
from twilio_iac.manifests.located import Entry, Reason
from twilio_iac.resources import REGISTRY, Field
from twilio_iac.resources.pools import Children

SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def children_parts(kind: str) -> list[Children]:
    return [p for p in REGISTRY[kind].parts if isinstance(p, Children)]


def _items(entry: Entry, part: Children) -> list[Mapping[str, Any]]:
    value = entry.data.get(part.name)
    return (
        [c for c in value if isinstance(c, Mapping)] if isinstance(value, list) else []
    )


def inline_files(entries: Sequence[Entry]) -> list[Reason]:
    """Each child's file key replaced by the document it names (in place)."""
    problems: list[Reason] = []
    for entry in entries:
        for part in children_parts(entry.kind):
            for number, child in enumerate(_items(entry, part)):
                for key, field in part.files:
                    if isinstance(child.get(key), str):
                        where = f"{entry.path}.{part.name}[{number}].{key}"
                        problems += _inline(entry, child, key, field, where)
    return problems


def _inline(entry: Entry, child: Any, key: str, field: str, where: str) -> list[Reason]:
    path = Path(entry.file).parent / child[key]
    line = child.line(key) if hasattr(child, "line") else entry.data.line()
    try:
        data = located.load(path.read_text(encoding="utf-8"))
    except OSError as error:
        why = error.strerror or str(error)
        return [Reason(entry.file, line, where, f"cannot read {path}: {why}")]
    except yaml.YAMLError as error:
        return [Reason(entry.file, line, where, f"{path} is not JSON or YAML: {error}")]
    if not isinstance(data, dict):
        return [Reason(entry.file, line, where, f"{path} must hold a mapping")]
    data.source = str(path)  # problems in it name its own file and line
    del child[key]
    child[field] = data
    return []


def check(entries: Sequence[Entry]) -> list[Reason]:
    """Names of children that the owner's declared parts do not hold."""
    problems: list[Reason] = []
    for entry in entries:
        rt = REGISTRY[entry.kind]
        declared = _declared(entry)
        for field in rt.fields:
            if field.names_part and isinstance(entry.data.get(field.name), str):
                name = entry.data[field.name]
                if not _known(name, declared.get(field.names_part)):
                    problems.append(
                        entry.reason(field.name, _unknown(field, name, rt.title))
                    )
        for part in children_parts(entry.kind):
            seen: set[Any] = set()
            for number, child in enumerate(_items(entry, part)):
                where = f"{part.name}[{number}]"
                problems += _check_child(entry, part, child, where, declared)
                identity = child.get(part.identity)
                if identity in seen:
                    problems.append(_listed_twice(entry, part, child, where))
                seen.add(identity)
    return problems


def _listed_twice(
    entry: Entry, part: Children, child: Mapping[str, Any], where: str
) -> Reason:
    line = child.line() if hasattr(child, "line") else entry.data.line()
    return Reason(
        entry.file,
        line,
        f"{entry.path}.{where}",
        f'{part.identity} "{child.get(part.identity)}" is listed twice in '
        f"{part.name}; list each {part.title} once",
    )


def _declared(entry: Entry) -> dict[str, set[str] | None]:
    """Part → the identities the entry declares (adopted ones included), or
    None when the part is left out (unmanaged: anything may be there)."""
    found: dict[str, set[str] | None] = {}
    for part in children_parts(entry.kind):
        if not isinstance(entry.data.get(part.name), list):
            found[part.name] = None
            continue
        names = {c.get(part.identity) for c in _items(entry, part)}
        found[part.name] = {n for n in names if isinstance(n, str)} | set(part.adopted)
    return found


def _known(name: str, declared: set[str] | None) -> bool:
    return declared is None or name in declared or bool(SID.match(name))


def _unknown(field: Field, name: str, owner: str) -> str:
    part = field.names_part or ""
    return (
        f'names "{name}", which is not in this {owner}\'s {part}; declare it '
        f"there, or fix the name"
    )


def _check_child(
    entry: Entry,
    part: Children,
    child: Mapping[str, Any],
    where: str,
    declared: Mapping[str, set[str] | None],
) -> list[Reason]:
    problems = []
    line = child.line() if hasattr(child, "line") else entry.data.line()
    for field in part.fields:
        value = child.get(field.name)
        if not field.names_part or value is None:
            continue
        known = declared.get(field.names_part)
        if field.type == "json":
            # Where the document was written: a file of its own, or inline.
            source = getattr(value, "source", entry.file)
            for path, name in names_at(value, field.name_paths):
                if isinstance(name, str) and not _known(name, known):
                    text = f"{where}.{field.name}.{path}"
                    problems.append(
                        Reason(
                            source,
                            _line_at(value, path) or line,
                            f"{entry.path}.{text}",
                            _unknown(field, name, REGISTRY[entry.kind].title),
                        )
                    )
        elif isinstance(value, str) and not _known(value, known):
            text = f"{entry.path}.{where}.{field.name}"
            message = _unknown(field, value, REGISTRY[entry.kind].title)
            at = child.line(field.name) if hasattr(child, "line") else line
            problems.append(Reason(entry.file, at, text, message))
    return problems


def _line_at(document: Any, path: str) -> int | None:
    """The line of the last key of ``path`` ("a.b[0].c") in a Located document."""
    node, line = document, None
    for step in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if step.startswith("["):
            index = int(step[1:-1])
            node = node[index] if isinstance(node, list) and index < len(node) else None
        elif isinstance(node, Mapping):
            line = node.line(step) if hasattr(node, "line") else line
            node = node.get(step)
        else:
            return line
    return line


def names_at(document: Any, paths: Sequence[str]) -> Iterator[tuple[str, Any]]:
    """(concrete path, value) at each of ``paths`` ("a.b[].c") in a document."""
    for path in paths:
        yield from _walk(document, path.split("."), "")


def _walk(node: Any, steps: list[str], at: str) -> Iterator[tuple[str, Any]]:
    if not steps:
        yield at, node
        return
    head, rest = steps[0], steps[1:]
    key, many = (head[:-2], True) if head.endswith("[]") else (head, False)
    if not isinstance(node, Mapping) or key not in node:
        return
    here = f"{at}.{key}" if at else key
    value = node[key]
    if not many:
        yield from _walk(value, rest, here)
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, rest, f"{here}[{i}]")


def replace_at(document: Any, paths: Sequence[str], swap: Any) -> Any:
    """A deep copy of the document with each value at ``paths`` passed
    through ``swap`` (names to SIDs on the way out, SIDs to names on the way in)."""
    copy = json.loads(json.dumps(document))
    for path in paths:
        _swap(copy, path.split("."), swap)
    return copy


def _swap(node: Any, steps: list[str], swap: Any) -> None:
    head, rest = steps[0], steps[1:]
    key, many = (head[:-2], True) if head.endswith("[]") else (head, False)
    if not isinstance(node, dict) or key not in node:
        return
    if not rest:
        node[key] = swap(node[key])
        return
    children = node[key] if many and isinstance(node[key], list) else [node[key]]
    for child in children:
        _swap(child, rest, swap)
