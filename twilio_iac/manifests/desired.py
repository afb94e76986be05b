"""The desired state: validated manifests turned into Resources keyed by identity.

load() runs the whole front half of the pipeline: manifest.read (layers, files,
YAML, interpolation, overrides, merging), schema.check (every problem at once),
then builds one Resource per declaration with flat, normalized fields.
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from twilio_iac.manifests import flows, pools, schema
from twilio_iac.manifests import reader as manifest
from twilio_iac.manifests.collector import paused_gc
from twilio_iac.model import Key, Ref, Resource
from twilio_iac.model import ignored as is_ignored
from twilio_iac.resources import REGISTRY, ResourceType

# Entry keys that describe how to manage the resource rather than its state.
_META = frozenset({"sid", "purchase", "allow_ignored"})
_SCALARS = (str, int, float, list, type(None))  # never a Mapping


@dataclass(frozen=True)
class Desired:
    resources: dict[Key, Resource]
    account_sid: str | None
    prune: frozenset[str]
    files: tuple[str, ...]
    warnings: tuple[str, ...]
    # kind → glob patterns on identity for live objects managed elsewhere.
    ignore: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    layers: tuple[tuple[str, ...], ...] = ()  # the files of each PATH argument
    # Variables that had no value, where load(unset_ok=True) kept them as written.
    unset: tuple[str, ...] = ()
    # "kind.part" of children Twilio creates with their owner that are
    # deleted when not listed (resources/pools.py Children.adopted).
    pruned_parts: frozenset[str] = frozenset()

    def ignored(self, kind: str, name: str) -> bool:
        """Does an ignore rule hand this live object to someone else?"""
        return is_ignored(self.ignore, kind, name)


def load(
    paths: Sequence[str | Path],
    env: Mapping[str, str] | None = None,
    unset_ok: bool = False,
) -> Desired:
    """Read and validate manifests; raises a ManifestError listing every problem.

    Each path is a layer (a directory is one layer), applied in order. With
    ``unset_ok`` (validate), a variable without a value is no problem: its
    value is kept as written and left out of the checks it would need a value
    for; such a Desired is for reporting, never for planning.
    """
    with paused_gc():
        parsed = manifest.read(paths, os.environ if env is None else env, unset_ok)
        warnings = schema.check(parsed)
        built = [build(entry) for entry in parsed.entries]
        resources = pools.resolve(_distinct(built))
    return Desired(
        resources={resource.key: resource for resource in resources},
        account_sid=parsed.account_sid,
        prune=frozenset(p for p in parsed.prune if p in REGISTRY),
        files=parsed.files,
        warnings=warnings,
        ignore=_ignore(parsed.ignore),
        layers=parsed.layers,
        unset=tuple(sorted({reason.message for reason in parsed.unset})),
        pruned_parts=frozenset(p for p in parsed.prune if p not in REGISTRY),
    )


def _distinct(resources: list[Resource]) -> list[Resource]:
    """Pinned objects sharing an identity get a name that tells them apart."""
    seen = Counter(r.key for r in resources)
    return [
        replace(r, name=f"{r.name} [{r.sid}]") if seen[r.key] > 1 else r
        for r in resources
    ]


def _ignore(rules: Sequence[manifest.IgnoreRule]) -> dict[str, tuple[str, ...]]:
    patterns: dict[str, tuple[str, ...]] = {}
    for rule in rules:
        if rule.pattern not in patterns.get(rule.kind, ()):
            patterns[rule.kind] = (*patterns.get(rule.kind, ()), rule.pattern)
    return patterns


def build(entry: manifest.Entry) -> Resource:
    """One validated entry as a Resource holding only the fields it sets; its
    pools and children as written, until pools.resolve shapes them."""
    rt = REGISTRY[entry.kind]
    structured = _structured(rt.kind)
    flat = entry.data
    if structured:
        flat = {k: v for k, v in entry.data.items() if k not in structured}
    fields = dict(_fields(rt, flat))
    for f in structured.values():
        written = f.name in entry.data or (f.file_alias or "") in entry.data
        if written:  # read, checked, its refs made Refs
            fields[f.name] = f.normalize(flows.definition(entry))
    return Resource.quick(
        rt.kind,
        entry.data[rt.identity],
        fields,
        sid=entry.data.get("sid"),
        location=entry.location,
        purchase=bool(entry.data.get("purchase", False)),
    )


@functools.cache
def _structured(kind: str) -> dict[str, Any]:
    """The kind's structured ("json") fields by name: most kinds have none,
    and the check runs once per entry."""
    return {f.name: f for f in REGISTRY[kind].fields if f.type == "json"}


def _fields(rt: ResourceType, data: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for name, value in _flatten(data, ""):
        if name in _META or name in rt.file_aliases:
            continue
        if name in rt.parts_by_name:
            yield name, value  # as written: pools.resolve shapes it
            continue
        if name in rt.aliases:
            spec = rt.aliases[name]
            value = Ref(spec.ref or "", value) if value is not None else None
        else:
            spec = rt.by_name[name]
        yield spec.name, spec.normalize(value)


def _flatten(data: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    """``{"push": {"include_date": True}}`` → ``("push.include_date", True)``."""
    for key, value in data.items():
        # dict first: the ABC's isinstance is slow, and YAML gives dicts.
        if isinstance(value, dict) or (
            not isinstance(value, _SCALARS) and isinstance(value, Mapping)
        ):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value
