"""YAML that remembers where everything was written, and the located values built on it.

Every later stage reports a problem as ``<file>:<line> <path>: <message>``;
Located, Reason, Document and Entry carry what that takes, also for resources
whose fields were changed by a later layer's ``overrides:``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from twilio_iac.manifests.collector import paused_gc
from twilio_iac.manifests.shape import MAX_DEPTH, _ShapeError, check_shape, refuse_depth


class Located(dict):
    """A YAML mapping that remembers the line where it, and each of its keys,
    was written (1-based). Lines are kept as integers, not yaml.Marks: a
    manifest of 50,000 entries holds some 200,000 of them."""

    # source: the file a mapping read from a file of its own came from (a
    # configuration_file), so its problems name that file; unset otherwise.
    __slots__ = ("start", "key_lines", "duplicates", "source")

    def __init__(self, line: int = 1) -> None:
        super().__init__()
        self.start = line
        self.key_lines: dict[str, int] = {}
        # (key, line) of each key written twice; rarely any.
        self.duplicates: list[tuple[str, int]] = _NONE

    def line(self, key: str | None = None) -> int:
        """1-based line of ``key``, or of the mapping itself."""
        return self.key_lines.get(key, self.start) if key is not None else self.start

    def copy(self) -> Located:
        """A shallow copy that keeps the lines (but not the duplicate-key notes)."""
        twin = Located(self.start)
        twin.update(self)
        twin.key_lines = dict(self.key_lines)
        return twin


_NONE: list[tuple[str, int]] = []  # shared, never appended to


# libyaml's parser is about five times faster than the pure-Python one on a
# 10,000-number manifest; the resolver and constructor (below) are ours either way.
_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ = _TAG + "str", _TAG + "map", _TAG + "seq"
_MERGE = _TAG + "merge"

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution), by a
# plain scalar's first character. Unlike YAML 1.1 (PyYAML's default), yes/no/on/
# off/y/n, 1:30, 1_000 and 2024-01-01 are text; 0o17 and 0x1F are numbers. `<<`
# merge keys are kept: they are not 1.2 but many manifests share settings so.
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
_RULES = (
    (_TAG + "null", re.compile(r"~|null|Null|NULL|"), "~nN"),
    (_TAG + "bool", re.compile(r"true|True|TRUE|false|False|FALSE"), "tTfF"),
    (_TAG + "int", _INT, "-+0123456789"),
    (_TAG + "float", _FLOAT, "-+.0123456789"),
    (_MERGE, re.compile(r"<<"), "<"),
)
_IMPLICIT: dict[str, list[tuple[str, Callable[[str], Any]]]] = {
    "": [(_RULES[0][0], _RULES[0][1].fullmatch)]
}
for _tag, _rule, _firsts in _RULES:
    for _first in _firsts:
        _IMPLICIT.setdefault(_first, []).append((_tag, _rule.fullmatch))
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+")


class LeadingZero(int):
    """An integer written with a leading zero, which reader.py refuses: YAML 1.1
    tools read 0777 as octal 511, YAML 1.2 as 777."""

    text: str = ""


def load(text: str) -> Any:
    """The one document in ``text``, read by YAML 1.2 core rules and checked for
    its shape; raises yaml.YAMLError (_ShapeError for a refused shape)."""
    # An alias is written `*name`: without a `*` anywhere there is none, and
    # the depth construction counts is all the shape check needs.
    may_alias = "*" in text
    if not may_alias:
        loader = Loader(text)
        try:
            with paused_gc():
                return _from_events(loader)
        except (yaml.YAMLError, _NodesNeeded):
            pass  # read again below, which reports what is wrong as it always has
        finally:
            loader.dispose()
    loader = Loader(text)
    loader.may_alias = may_alias
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


class _NodesNeeded(Exception):
    """The document needs the node tree: an alias, a merge key, a tag, a
    second document, or a problem to report exactly as the node path does."""


def _from_events(loader: Loader) -> Any:
    """The document built straight from libyaml's events, for the plain
    documents nearly every manifest is: composing the whole node tree first
    cost about a third of the load and most of its peak memory (some 170 MiB
    for 50,000 entries). Same values, lines and duplicate-key notes as the
    node path (tests/unit/test_located_events.py compares them)."""
    get = loader.get_event
    get()  # the stream's start
    event = get()
    if type(event) is yaml.StreamEndEvent:
        return None
    if type(event) is not yaml.DocumentStartEvent:
        raise _NodesNeeded
    value = _value(loader, get(), 1)
    get()  # the document's end
    if type(get()) is not yaml.StreamEndEvent:
        raise _NodesNeeded
    return value


def _value(loader: Loader, event: yaml.Event, depth: int) -> Any:
    kind = type(event)
    if kind is yaml.ScalarEvent:
        return _scalar(loader, event)
    if kind is yaml.AliasEvent or depth > MAX_DEPTH or event.tag not in (None, "!"):
        raise _NodesNeeded
    get = loader.get_event
    if kind is yaml.MappingStartEvent:
        data = Located(event.start_mark.line + 1)
        lines = data.key_lines
        while type(key := get()) is not yaml.MappingEndEvent:
            if type(key) is not yaml.ScalarEvent or key.value == "<<":
                raise _NodesNeeded
            name, line = key.value, key.start_mark.line + 1
            if name in data:
                data.duplicates = [*data.duplicates, (name, line)]
            data[name] = _value(loader, get(), depth + 1)
            lines[name] = line
        return data
    if kind is yaml.SequenceStartEvent:
        items, starts = LocatedList(), []
        while type(child := get()) is not yaml.SequenceEndEvent:
            starts.append(child.start_mark.line + 1)
            items.append(_value(loader, child, depth + 1))
        items.lines = starts
        return items
    raise _NodesNeeded


def _scalar(loader: Loader, event: yaml.ScalarEvent) -> Any:
    tag = event.tag
    if tag is None or tag == "!":  # as the composer resolves it
        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == _STR:
        return event.value
    if tag not in _SCALARS:
        raise _NodesNeeded
    node = yaml.ScalarNode(
        tag, event.value, event.start_mark, event.end_mark, event.style
    )
    return loader.yaml_constructors[tag](loader, node)


class Loader(_BASE):  # type: ignore[misc,valid-type]
    """SafeLoader by YAML 1.2 core rules whose mappings are Located and whose
    keys stay as written."""

    may_alias = True

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, matches in _IMPLICIT.get(value[:1], ()):
                    if matches(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def get_single_data(self) -> Any:
        # Parsing allocates hundreds of thousands of objects that all stay
        # alive, so the cyclic collector's passes over them free nothing yet
        # cost a third of the parse (desired.load pauses it for longer).
        with paused_gc():
            node = self.get_single_node()
            if node is None:
                return None
            if self.may_alias and type(node.value) is list:
                check_shape(node)
            # Without aliases the document is a tree, and construction itself
            # counts its depth (construct_mapping and _sequence).
            return self.construct_document(node)

    depth = 0  # collections being constructed, the current one included

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Located:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            refuse_depth(node, self.depth)
        data = Located(node.start_mark.line + 1)
        data.duplicates = _duplicate_keys(node) or _NONE
        self.flatten_mapping(node)  # resolve `<<` merge keys first
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problem = "a mapping key must be a plain name"
                raise yaml.MarkedYAMLError(None, None, problem, key_node.start_mark)
            # Keys are field names: read them as text so `on:` stays "on".
            data[key_node.value] = _construct(self, value_node, deep)
            data.key_lines[key_node.value] = key_node.start_mark.line + 1
        self.depth -= 1
        return data


class LocatedList(list):
    """A YAML sequence that remembers the line of each item, so a problem with
    one item (a pool member listed twice) can point at it."""

    lines: list[int]

    def line(self, index: int) -> int:
        lines = getattr(self, "lines", [])
        return lines[index] if index < len(lines) else 0


def _sequence(loader: Loader, node: yaml.SequenceNode) -> list[Any]:
    # Built at once rather than by PyYAML's generator, so that the depth count
    # holds; a cycle, which only a generator could build, is refused anyway.
    loader.depth += 1
    if loader.depth > MAX_DEPTH:
        refuse_depth(node, loader.depth)
    items = LocatedList(_construct(loader, child, False) for child in node.value)
    items.lines = [child.start_mark.line + 1 for child in node.value]
    loader.depth -= 1
    return items


def _construct(loader: Loader, node: yaml.Node, deep: bool) -> Any:
    # Most values are text, which construct_object turns into node.value only
    # after bookkeeping that costs more than that.
    if node.tag == _STR and type(node) is yaml.ScalarNode:
        return node.value
    return loader.construct_object(node, deep=deep)


def _int(loader: Loader, node: yaml.ScalarNode) -> int:
    text = node.value
    if _LEADING_ZERO.fullmatch(text):
        number = LeadingZero(text)
        number.text = text
        return number
    if not _INT.fullmatch(text):
        raise _ShapeError(
            None, None, f"{text!r} is not a whole number", node.start_mark
        )
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text)


def _float(loader: Loader, node: yaml.ScalarNode) -> float:
    text = node.value
    if not _FLOAT.fullmatch(text):
        raise _ShapeError(None, None, f"{text!r} is not a number", node.start_mark)
    if text.lstrip("+-").lower() in (".inf", ".nan"):
        return float(text.replace(".", ""))
    return float(text)


def _bool(loader: Loader, node: yaml.ScalarNode) -> bool:
    # An explicit !!bool too follows 1.2: `!!bool yes` is refused, not True.
    if node.value.lower() not in ("true", "false"):
        problem = f"{node.value!r} is not true or false"
        raise _ShapeError(None, None, problem, node.start_mark)
    return node.value.lower() == "true"


def _unsupported(loader: Loader, node: yaml.Node) -> Any:
    tag = node.tag.replace(_TAG, "!!")
    problem = (
        f"the tag {tag} is not supported in manifests; write plain text, numbers, "
        "true/false, null, lists and mappings"
    )
    raise _ShapeError(None, None, problem, node.start_mark)


Loader.add_constructor(_MAP, Loader.construct_mapping)
Loader.add_constructor(_SEQ, _sequence)
Loader.add_constructor(_TAG + "int", _int)
Loader.add_constructor(_TAG + "float", _float)
Loader.add_constructor(_TAG + "bool", _bool)
for _name in ("binary", "timestamp", "omap", "pairs", "set"):
    Loader.add_constructor(_TAG + _name, _unsupported)
Loader.add_constructor(None, _unsupported)
_SCALARS = frozenset(_TAG + name for name in ("null", "bool", "int", "float"))


def _duplicate_keys(node: yaml.MappingNode) -> list[tuple[str, int]]:
    keys = [k for k, _ in node.value if k.tag != _MERGE]
    names = [k.value for k in keys]
    try:
        if len(set(names)) == len(names):  # the usual case, in linear time
            return []
    except TypeError:  # a non-scalar key, which construct_mapping reports
        pass
    return [
        (n, keys[i].start_mark.line + 1) for i, n in enumerate(names) if n in names[:i]
    ]


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
    layer: int = 0  # index of the PATH argument the file came from


@dataclass(frozen=True)
class Entry:
    """One resource declaration (``kind[index]``) or override
    (``overrides.kind[index]``) in ``file``.

    After layering, a declaration's ``data`` holds the merged fields and
    ``origins`` maps each top-level key an override set to that override, so
    problems with the key point at the line that actually wrote it.
    """

    kind: str
    index: int
    file: str
    data: Located
    layer: int = 0
    section: str = ""  # "overrides." for an override
    origins: Mapping[str, Entry] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"{self.section}{self.kind}[{self.index}]"

    @property
    def location(self) -> str:
        return f"{self.file}:{self.data.line()}"

    def reason(self, key: str | None, message: str) -> Reason:
        if key is not None and key in self.origins:
            return self.origins[key].reason(key, message)
        path = f"{self.path}.{key}" if key else self.path
        return Reason(self.file, self.data.line(key), path, message)
