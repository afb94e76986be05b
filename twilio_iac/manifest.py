"""Read manifest files into located mappings and merge them.

Owns file discovery, YAML with file:line on every mapping, ``${VAR}``
interpolation, and the cross-file rules: one declaration per resource, one
account_sid, the union of ``prune``. Field-level checks live in schema.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ManifestSyntaxError
from .resources import REGISTRY


class Located(dict):
    """A YAML mapping that remembers where it, and each of its keys, was written."""

    def __init__(self, mark: yaml.Mark | None = None) -> None:
        super().__init__()
        self.mark = mark or yaml.Mark("", 0, 0, 0, "", 0)
        self.key_marks: dict[str, yaml.Mark] = {}
        self.duplicates: list[tuple[str, yaml.Mark]] = []

    def line(self, key: str | None = None) -> int:
        """1-based line of ``key``, or of the mapping itself."""
        mark = self.key_marks.get(key, self.mark) if key is not None else self.mark
        return mark.line + 1


class Loader(yaml.SafeLoader):
    """SafeLoader whose mappings are Located and whose keys stay as written."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Located:
        data = Located(node.start_mark)
        data.duplicates = _duplicate_keys(node)
        self.flatten_mapping(node)  # resolve `<<` merge keys first
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problem = "a mapping key must be a plain name"
                raise yaml.MarkedYAMLError(None, None, problem, key_node.start_mark)
            # Keys are field names: read them as text so `on:` stays "on".
            data[key_node.value] = self.construct_object(value_node, deep=deep)
            data.key_marks[key_node.value] = key_node.start_mark
        return data


Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, Loader.construct_mapping
)


def _duplicate_keys(node: yaml.MappingNode) -> list[tuple[str, yaml.Mark]]:
    names = [k.value for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"]
    marks = [k.start_mark for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"]
    return [(n, marks[i]) for i, n in enumerate(names) if n in names[:i]]


@dataclass(frozen=True)
class Reason:
    """One problem, printed as ``<file>:<line> <path>: <message>``."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        if not self.path:  # YAML syntax: no path to name
            return f"{self.file}:{self.line} {self.message}"
        return f"{self.file}:{self.line} {self.path}: {self.message}"


@dataclass(frozen=True)
class Document:
    file: str  # as the user gave it
    data: Any  # a Located mapping unless the file is malformed


@dataclass(frozen=True)
class Entry:
    """One resource declaration: ``kind[index]`` in ``file``."""

    kind: str
    index: int
    file: str
    data: Located

    @property
    def path(self) -> str:
        return f"{self.kind}[{self.index}]"

    @property
    def location(self) -> str:
        return f"{self.file}:{self.data.line()}"

    def reason(self, key: str | None, message: str) -> Reason:
        path = f"{self.path}.{key}" if key else self.path
        return Reason(self.file, self.data.line(key), path, message)


@dataclass(frozen=True)
class Manifest:
    documents: tuple[Document, ...]
    entries: tuple[Entry, ...]
    account_sid: str | None
    prune: frozenset[str]
    problems: tuple[Reason, ...]  # found while reading; schema.check reports them

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(doc.file for doc in self.documents)


def read(paths: Sequence[str | Path], env: Mapping[str, str]) -> Manifest:
    """Parse, interpolate and merge; raises ManifestSyntaxError on bad YAML."""
    files = expand(paths)
    documents, problems = _parse_all(files, env)
    entries = tuple(_entries(documents))
    account_sid, sid_problems = _account_sid(documents)
    problems += sid_problems + _duplicates(entries)
    return Manifest(
        documents=tuple(documents),
        entries=entries,
        account_sid=account_sid,
        prune=_prune(documents),
        problems=tuple(problems),
    )


def expand(paths: Sequence[str | Path]) -> list[str]:
    """Each file as given; each directory as its *.yaml/*.yml files, by name."""
    files = []
    for given in map(str, paths):
        if not Path(given).is_dir():
            files.append(given)
            continue
        found = (p for p in Path(given).iterdir() if p.suffix in (".yaml", ".yml"))
        files += [os.path.join(given, p.name) for p in sorted(found) if p.is_file()]
    return files


def _parse_all(
    files: list[str], env: Mapping[str, str]
) -> tuple[list[Document], list[Reason]]:
    documents, problems, syntax = [], [], []
    for file in files:
        try:
            data = _parse(file)
        except yaml.MarkedYAMLError as exc:
            syntax.append(_syntax_reason(file, exc))
            continue
        documents.append(Document(file, data))
        problems += _interpolate(file, data, "", 1, env)
    if syntax:
        raise ManifestSyntaxError([str(r) for r in syntax])
    return documents, problems


def _parse(file: str) -> Any:
    try:
        text = Path(file).read_text(encoding="utf-8")
    except OSError as exc:
        message = f"{file}: {exc.strerror or exc}"
        raise ManifestSyntaxError([message], "A manifest cannot be read") from exc
    data = yaml.load(text, Loader=Loader)  # Loader derives from SafeLoader
    return Located() if data is None else data  # an empty file declares nothing


def _syntax_reason(file: str, exc: yaml.MarkedYAMLError) -> Reason:
    mark = exc.problem_mark or exc.context_mark
    message = f"invalid YAML: {exc.problem or exc.context}"
    if exc.context and exc.problem and exc.context_mark:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    return Reason(file, mark.line + 1 if mark else 1, "", message)


# `$${` is a literal `${`; `${NAME}` and `${NAME:-default}` read the environment.
_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_VARIABLE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?", re.DOTALL)


def _interpolate(
    file: str, node: Any, path: str, line: int, env: Mapping[str, str]
) -> list[Reason]:
    """Substitute variables in every string value, in place; report problems."""
    if isinstance(node, Located):
        problems = [
            Reason(file, mark.line + 1, _join(path, key), "duplicate key in mapping")
            for key, mark in node.duplicates
        ]
        items: list[tuple[Any, str, int]]
        items = [(key, _join(path, key), node.line(key)) for key in node]
    elif isinstance(node, list):
        problems = []
        items = [
            (i, f"{path}[{i}]", x.line() if isinstance(x, Located) else line)
            for i, x in enumerate(node)
        ]
    else:
        return []
    for key, child_path, child_line in items:
        value = node[key]
        if isinstance(value, str):
            node[key], errors = _substitute(value, env)
            problems += [Reason(file, child_line, child_path, e) for e in errors]
        else:
            problems += _interpolate(file, value, child_path, child_line, env)
    return problems


def _substitute(text: str, env: Mapping[str, str]) -> tuple[str, list[str]]:
    errors: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        inner = match.group(1)
        variable = _VARIABLE.fullmatch(inner) if inner is not None else None
        if variable is None:
            errors.append(f"malformed variable reference {match.group(0)!r}")
            return match.group(0)
        name, default = variable.groups()
        if name not in env and default is None:
            errors.append(f"environment variable {name} is not set and has no default")
            return match.group(0)
        # Like the shell's `:-`, an empty variable also takes the default.
        return env.get(name) or default or ""

    return _TOKEN.sub(replace, text), errors


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _mappings(documents: list[Document]) -> Iterator[tuple[str, Located]]:
    """(file, top-level mapping); schema.check reports files that are not one."""
    return ((d.file, d.data) for d in documents if isinstance(d.data, Located))


def _entries(documents: list[Document]) -> Iterator[Entry]:
    for file, data in _mappings(documents):
        for kind in REGISTRY:
            items = data.get(kind)
            for index, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, Located):
                    yield Entry(kind, index, file, item)


def _account_sid(documents: list[Document]) -> tuple[str | None, list[Reason]]:
    declared = [
        (file, data)
        for file, data in _mappings(documents)
        if isinstance(data.get("account_sid"), str)
    ]
    if not declared:
        return None, []
    file, first = declared[0]
    sid, where = first["account_sid"], f"{file}:{first.line('account_sid')}"
    message = "{} disagrees with " + f"{sid} declared at {where}"
    return sid, [
        Reason(file, data.line("account_sid"), "account_sid", message.format(other))
        for file, data in declared[1:]
        if (other := data["account_sid"]) != sid
    ]


def _prune(documents: list[Document]) -> frozenset[str]:
    kinds: set[str] = set()
    for _, data in _mappings(documents):
        items = data.get("prune")
        if isinstance(items, list):
            kinds |= {item for item in items if isinstance(item, str)}
    return frozenset(kinds)


def _duplicates(entries: tuple[Entry, ...]) -> list[Reason]:
    """Entries that declare an already-declared identity or pin a pinned SID."""
    seen: dict[tuple[str, str, str], Entry] = {}
    problems = []
    for entry in entries:
        rt = REGISTRY[entry.kind]
        for key in (rt.identity, "sid"):
            value = entry.data.get(key)
            if not isinstance(value, str):
                continue
            first = seen.setdefault((entry.kind, key, value), entry)
            if first is not entry:
                what = rt.title if key == rt.identity else f"{rt.title} pin sid"
                message = f"{what} {value} is already declared at {first.location}"
                problems.append(entry.reason(key, message))
    return problems
