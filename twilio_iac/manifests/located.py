"""YAML that remembers where everything was written, and the located values built on it.

Every later stage reports a problem as ``<file>:<line> <path>: <message>``;
Located, Reason, Document and Entry carry what that takes, also for resources
whose fields were changed by a later layer's ``overrides:``.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml


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

    def copy(self) -> Located:
        """A shallow copy that keeps the marks (but not the duplicate-key notes)."""
        twin = Located(self.mark)
        twin.update(self)
        twin.key_marks = dict(self.key_marks)
        return twin


# libyaml's parser is about five times faster than the pure-Python one on a
# 10,000-number manifest; the constructor (below) is the same either way.
_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


class Loader(_BASE):  # type: ignore[misc,valid-type]
    """SafeLoader whose mappings are Located and whose keys stay as written."""

    def get_single_data(self) -> Any:
        # Parsing allocates hundreds of thousands of objects that all stay
        # alive, so the cyclic collector's passes over them free nothing yet
        # cost a third of the parse; it catches up once re-enabled.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return super().get_single_data()
        finally:
            if enabled:
                gc.enable()

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Located:
        data = Located(node.start_mark)
        data.duplicates = _duplicate_keys(node)
        self.flatten_mapping(node)  # resolve `<<` merge keys first
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problem = "a mapping key must be a plain name"
                raise yaml.MarkedYAMLError(None, None, problem, key_node.start_mark)
            # Keys are field names: read them as text so `on:` stays "on".
            data[key_node.value] = _construct(self, value_node, deep)
            data.key_marks[key_node.value] = key_node.start_mark
        return data


def _construct(loader: Loader, node: yaml.Node, deep: bool) -> Any:
    # Most values are text, which construct_object turns into node.value only
    # after bookkeeping that costs more than that.
    if node.tag == _STR and type(node) is yaml.ScalarNode:
        return node.value
    return loader.construct_object(node, deep=deep)


Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, Loader.construct_mapping
)


def _duplicate_keys(node: yaml.MappingNode) -> list[tuple[str, yaml.Mark]]:
    keys = [k for k, _ in node.value if k.tag != _MERGE]
    names = [k.value for k in keys]
    try:
        if len(set(names)) == len(names):  # the usual case, in linear time
            return []
    except TypeError:  # a non-scalar key, which construct_mapping reports
        pass
    return [(n, keys[i].start_mark) for i, n in enumerate(names) if n in names[:i]]


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
