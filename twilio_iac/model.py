"""Values the pipeline passes around: Key, Ref and Resource.

A Resource's ``fields`` are flat (dotted for nested objects), normalized with
Field.normalize, and hold a Ref wherever a SID field points at another object
twilio-iac knows by name. Desired resources carry only the fields a manifest
sets; live resources carry every field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field
from dataclasses import fields as dataclass_fields
from fnmatch import fnmatchcase
from typing import Any, NamedTuple


class Key(NamedTuple):
    kind: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}[{self.name}]"


_make_key = tuple.__new__


@dataclass(frozen=True, order=True)
class Ref:
    """A reference to another object by its identity, e.g. an application name."""

    kind: str
    name: str

    def __str__(self) -> str:
        return self.name


def map_refs(value: Any, sid_of: Callable[[Ref], Any]) -> Any:
    """Structured data (a flow's definition) with each Ref replaced by
    ``sid_of(ref)``."""
    if isinstance(value, Ref):
        return sid_of(value)
    if isinstance(value, dict):
        return {key: map_refs(item, sid_of) for key, item in value.items()}
    if isinstance(value, list):
        return [map_refs(item, sid_of) for item in value]
    return value


@dataclass(frozen=True)
class Resource:
    kind: str
    name: str
    fields: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    sid: str | None = None  # live SID, or a manifest `sid:` pin
    location: str | None = None  # "file:line" of the manifest entry
    purchase: bool = False  # manifest asked to buy this phone number

    @property
    def key(self) -> Key:
        # Key(kind, name) without NamedTuple's Python-level __new__: asked
        # several times per resource of a long list.
        return _make_key(Key, (self.kind, self.name))

    @staticmethod
    def quick(kind: str, name: str, fields: dict[str, Any], **rest: Any) -> Resource:
        """Resource(...) at a quarter of the cost, for the hot paths that make
        one per entry and per live record: a frozen dataclass's __init__
        sets each attribute through object.__setattr__."""
        made = object.__new__(Resource)
        made.__dict__.update(_DEFAULTS, kind=kind, name=name, fields=fields, **rest)
        return made

    def with_fields(self, fields: dict[str, Any]) -> Resource:
        """A copy with other fields: dataclasses.replace, at a fifth of the
        cost (the planner makes one per live object that refers to another)."""
        copy = object.__new__(Resource)
        copy.__dict__.update(self.__dict__, fields=fields)
        return copy

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Resource) and other.key == self.key


_DEFAULTS = {
    f.name: f.default for f in dataclass_fields(Resource) if f.default is not MISSING
}


def ignored(rules: Mapping[str, tuple[str, ...]], kind: str, name: str) -> bool:
    """Does an ignore rule (kind → globs on identity) hand this object to
    someone else? Case-sensitive, like identities themselves."""
    return any(fnmatchcase(name, rule) for rule in rules.get(kind, ()))
