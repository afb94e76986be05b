"""Declarative description of each Twilio collection twilio-iac manages.

A ResourceType says where a kind lives, how it is identified, which fields a
manifest may set (named as in Twilio's JSON responses, dotted for nested
objects such as Verify's ``push.include_date``), and how they reach the wire.
Everything else (schema, planner, applier, renderer) reads these definitions.
"""

from __future__ import annotations

import graphlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from twilio_iac.apis import APIS

# What a save by twilio-iac writes at the start of a `stamped` field.
STAMP = "twilio-iac: "

# Field types. "method" is GET/POST; "sid" is a raw SID with a fixed prefix;
# "ref" is a SID field that manifests may also write by the target's identity;
# "json" is structured data (a Studio flow's definition, a workflow's
# configuration): a mapping in manifests, JSON text on the wire, compared as data.
TYPES = frozenset(
    {"string", "uri", "method", "boolean", "integer", "enum", "sid", "ref", "json"}
)


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "string"
    enum: tuple[str, ...] = ()
    prefix: str | None = None  # SID prefix for "sid"/"ref" fields
    ref: str | None = None  # target kind for "ref" fields
    alias: str | None = None  # manifest name of a reference by identity
    default: Any = None  # Twilio's server-side default: null on either side means this
    nullable: bool = True  # may a manifest write `null` to clear it?
    required: bool = False  # Twilio rejects a create without it
    create_only: bool = False  # cannot be updated: a change means replace
    write_only: bool = False  # accepted by Twilio but never returned: sent, not diffed
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    pattern: str | None = None  # regex a manifest value must match (JSON Schema)
    pattern_message: str = ""  # says what the pattern wants, as "must be ..."
    param: str | None = None  # request parameter when not derivable from name
    # Written by its own request to this sub-path of the owner's instance
    # (a trunk's "/Recording"), not with the owner's other fields.
    endpoint: str | None = None
    # Manifest key that names a file holding the value instead (a flow's
    # definition_file), read relative to the manifest by manifests/flows.py.
    file_alias: str | None = None
    # Read from this response key when it is not ``name`` (a workspace's
    # ``default_activity`` is read from ``default_activity_name``).
    source: str | None = None
    # The value is the identity of a child in this part of the same owner
    # (resources/pools.py Children), sent as that child's SID; for a "json"
    # field, the names sit at ``name_paths`` ("a.b[].c") inside the document.
    names_part: str | None = None
    name_paths: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"{self.name}: unknown field type {self.type!r}")
        if self.enum and self.type not in ("enum", "method"):
            # Only these types enforce their choices; any other would not.
            raise ValueError(f"{self.name}: choices need type 'enum', not {self.type}")
        if self.type == "ref" and not (self.ref and self.alias and self.prefix):
            raise ValueError(f"{self.name}: a ref field needs ref, alias and prefix")
        if bool(self.pattern) != bool(self.pattern_message):
            raise ValueError(f"{self.name}: a pattern needs its pattern_message")

    @property
    def request_param(self) -> str:
        """``sms_url`` → ``SmsUrl``; ``push.include_date`` → ``Push.IncludeDate``."""
        if self.param:
            return self.param
        return ".".join(_pascal(part) for part in self.name.split("."))

    def normalize(self, value: Any) -> Any:
        """The comparable form of a value from a manifest or from Twilio."""
        if value == "" or value is None:
            return self.default
        if self.type == "json":
            return _plain(value)
        if self.type == "boolean" and isinstance(value, str):
            return value.strip().lower() == "true"
        if self.type == "method" and isinstance(value, str):
            return value.upper()
        if self.type == "integer" and isinstance(value, str) and value.isdigit():
            return int(value)
        return value


@dataclass(frozen=True)
class Precedence:
    """While field ``winner`` is set, Twilio ignores each of ``fields``;
    ``effect`` says what it does instead, for the error that refuses both.

    With ``clears``, Twilio also deletes the other whenever one is set, so
    declaring both would flap on every apply and no ``allow_ignored`` accepts it.
    """

    winner: str
    fields: tuple[str, ...]
    effect: str
    clears: bool = False

    def refusal(self, winner: str, key: str) -> str:
        """Why declaring ``key`` next to ``winner`` (as the manifest spells
        them) is refused, and what to do."""
        if self.clears:
            return (
                f"conflicts with {key}: {self.effect}, so every apply would flap; "
                "keep only one of them"
            )
        return (
            f"Twilio ignores {key} while {winner} is set ({self.effect}), so it "
            "would never take effect; remove it, or if you keep it on purpose "
            f"(say, to switch back later) list it in this entry's "
            f"allow_ignored: [{key}]"
        )


def _plain(value: Any) -> Any:
    """Located YAML (or JSON text from Twilio) as plain dicts and lists."""
    if isinstance(value, str):
        try:
            return _plain(json.loads(value))
        except ValueError:
            return value
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _pascal(snake: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in snake.split("_"))


@dataclass(frozen=True)
class ResourceType:
    kind: str
    title: str  # "phone number", for messages
    api: str  # a name in twilio_iac.apis.APIS: "core", "verify", ...
    collection: str  # path template with {account_sid}
    instance: str  # path template with {account_sid} and {sid}
    list_key: str
    sid_prefix: str
    identity: str
    fields: tuple[Field, ...]
    guard_delete: bool = False  # deleting releases something irreplaceable
    creatable: bool = True  # False: a create needs explicit opt-in (purchase)
    # Twilio's list leaves a field out (a flow's definition): read each object.
    fetch_each: bool = False
    # Response keys kept in live fields for checks, never diffed (a flow's
    # revision and who saved it).
    observed: tuple[str, ...] = ()
    # Fields Twilio's update requires (a flow's status): sent on every update.
    always_sent: tuple[str, ...] = ()
    # Live fields → why the latest save was made outside twilio-iac, or None:
    # an update then overwrites that save, and apply needs --force.
    drift: Callable[[Mapping[str, Any]], str | None] | None = None
    # A field every save carries as "twilio-iac: <its value or the plan's
    # digest>" (a flow's commit_message), which is how drift is told apart.
    stamped: str | None = None
    description: str = ""
    # Pools and Children (resources/pools.py): the parts the object holds.
    parts: tuple[Any, ...] = ()
    precedence: tuple[Precedence, ...] = ()  # settings one field makes Twilio ignore
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False)
    # Derived from fields once: the planner asks for them per object.
    create_only: frozenset[str] = field(init=False, repr=False, compare=False)
    references: dict[str, str] = field(init=False, repr=False, compare=False)
    aliases: dict[str, Field] = field(init=False, repr=False, compare=False)
    parts_by_name: dict[str, Any] = field(init=False, repr=False, compare=False)
    file_aliases: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        derived = {
            "by_name": {f.name: f for f in self.fields},
            "create_only": frozenset(f.name for f in self.fields if f.create_only),
            # Field name → kind it points at.
            "references": {f.name: f.ref for f in self.fields if f.ref},
            # Manifest alias (``voice_application``) → its ref field.
            "aliases": {f.alias: f for f in self.fields if f.alias},
            # Manifest key of a pool or children list → its declaration.
            "parts_by_name": {part.name: part for part in self.parts},
            "file_aliases": frozenset(
                f.file_alias for f in self.fields if f.file_alias
            ),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)
        if self.api not in APIS:
            raise ValueError(f"{self.kind}: unknown API {self.api!r}")
        if self.identity not in self.by_name:
            raise ValueError(f"{self.kind}: identity {self.identity!r} is not a field")
        for rule in self.precedence:
            unknown = {rule.winner, *rule.fields} - set(self.by_name)
            if unknown:
                raise ValueError(f"{self.kind}: precedence names no field {unknown}")

    def counted(self, n: int) -> str:
        """``1 address``, ``2 addresses``, ``3 Verify services``."""
        if n == 1:
            return f"1 {self.title}"
        return f"{n} {self.title}{'es' if self.title.endswith('s') else 's'}"

    def path(self, account_sid: str, sid: str | None = None) -> str:
        template = self.instance if sid else self.collection
        return template.format(account_sid=account_sid, sid=sid)


REGISTRY: dict[str, ResourceType] = {}


def register(rt: ResourceType) -> ResourceType:
    if rt.kind in REGISTRY:
        raise ValueError(f"resource kind {rt.kind!r} is registered twice")
    REGISTRY[rt.kind] = rt
    return rt


def get(kind: str) -> ResourceType:
    return REGISTRY[kind]


def apply_order(kinds: Iterable[str] | None = None) -> list[str]:
    """Kinds with referenced kinds first; raises graphlib.CycleError on a cycle."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for rt in sorted(REGISTRY.values(), key=lambda r: r.kind):
        sorter.add(rt.kind, *sorted(set(rt.references.values())))
    order = list(sorter.static_order())
    if kinds is None:
        return order
    wanted = set(kinds)
    return [kind for kind in order if kind in wanted]


def related_kinds(kinds: Iterable[str]) -> set[str]:
    """The kinds plus every kind they reference or that references them.

    Deleting or replacing a target needs its referrers' live state, and a
    referrer's SIDs only map back to names when the targets are fetched too.
    """
    result = set(kinds)
    changed = True
    while changed:
        changed = False
        for rt in REGISTRY.values():
            # A URL that may name a flow (voice_flow) stays a URL unless the
            # manifests declare flows: only then are the flows read for it.
            linked = {f.ref for f in rt.fields if f.ref and f.type != "uri"}
            # A pool names its members by identity and adds them by SID; the
            # members themselves never need their pools' owners.
            members = {p.member_kind for p in rt.parts if getattr(p, "member_kind", 0)}
            if rt.kind in result and not linked | members <= result:
                result |= linked | members
                changed = True
            if rt.kind not in result and set(rt.references.values()) & result:
                result.add(rt.kind)
                changed = True
    return result
