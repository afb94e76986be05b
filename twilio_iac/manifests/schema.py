"""Validate manifests: JSON Schema (schemas/*.json), then rules that span fields.

check() reports every problem at once, each located as ``<file>:<line> <path>:
<message>`` in plain words, settings Twilio ignores (the kinds' precedence) included.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import twilio_iac
from twilio_iac.errors import SchemaError, UnresolvedReference
from twilio_iac.manifests import flows, nested, pools
from twilio_iac.manifests.proof import Check, compile_proof
from twilio_iac.manifests.reader import Document, Entry, Located, Manifest, Reason
from twilio_iac.resources import REGISTRY, Field, ResourceType

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}
# Values YAML 1.1 read as booleans or base-60 numbers, which are text in 1.2.
_YAML11_BOOLEANS = frozenset({"yes", "no", "on", "off", "y", "n"})
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")
# When several checks fail on one value, the first of these explains it best.
_RANK = {"type": 0, "required": 1, "anyOf": 1, "additionalProperties": 2}


def schema_dir() -> Path:
    # A wheel ships schemas/ inside the package (pyproject force-includes it);
    # a source checkout or editable install has it at the repository root.
    packaged = Path(twilio_iac.__file__).parent / "schemas"
    return packaged if packaged.is_dir() else packaged.parent.parent / "schemas"


def schema_path() -> Path:
    """The manifest schema, for `$schema` lines and editor configuration."""
    return schema_dir() / "manifest.schema.json"


@lru_cache(maxsize=1)
def _schemas() -> dict[str, Any]:
    """Each schema file's contents by file name, as `$ref` names it."""
    names = ["manifest", *sorted(REGISTRY)]
    return {
        f"{name}.schema.json": json.loads(
            (schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8")
        )
        for name in names
    }


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    resources = [
        (name, Resource.from_contents(contents, default_specification=DRAFT202012))
        for name, contents in _schemas().items()
    ]
    registry: Registry[Any] = Registry().with_resources(resources)
    root = registry.contents("manifest.schema.json")
    return Draft202012Validator(root, registry=registry)


@lru_cache(maxsize=1)
def _proof() -> Check:
    return compile_proof(_validator(), _schemas())


def check(manifest: Manifest) -> tuple[str, ...]:
    """Raise SchemaError (or UnresolvedReference) listing every problem; else
    return the warnings (none today: a setting Twilio ignores is refused)."""
    problems = list(manifest.problems)
    # A value that failed interpolation would fail the schema too: say it once.
    known = interpolated = {(reason.file, reason.path) for reason in problems}
    for doc in manifest.documents:
        reasons = _schema_reasons(doc)
        problems += [r for r in reasons if (r.file, r.path) not in known]
    names, ambiguous = _declared(manifest)
    unresolved: list[Reason] = []
    warnings: list[Reason] = []
    # A value the schema refused is not also reported as overridden.
    known = {(reason.file, reason.path) for reason in problems}
    for entry in manifest.entries:
        problems += _both_forms(entry)
        problems += [r for r in _overridden(entry) if (r.file, r.path) not in known]
        unresolved += [
            r
            for r in _unresolved(entry, names, ambiguous)
            if (r.file, r.path) not in interpolated
        ]
    problems += nested.inline_files(manifest.entries)
    problems += pools.check(manifest.entries)
    problems += flows.check(manifest.entries, names)
    problems += nested.check(manifest.entries)
    if manifest.unset:
        # A value still naming an unset variable is unknown: what it fails
        # (a pattern, a reference) says nothing about the value it will have.
        unknown = {(reason.file, reason.path) for reason in manifest.unset}
        problems = [r for r in problems if (r.file, r.path) not in unknown]
        unresolved = [r for r in unresolved if (r.file, r.path) not in unknown]
    order = {file: i for i, file in enumerate(manifest.files)}
    if problems:
        raise SchemaError(_sorted(problems + unresolved, order))
    if unresolved:
        raise UnresolvedReference(_sorted(unresolved, order))
    return tuple(_sorted(warnings, order))


def _sorted(reasons: list[Reason], order: dict[str, int]) -> list[str]:
    ranked = sorted(reasons, key=lambda r: (order.get(r.file, -1), r.line))
    return [str(reason) for reason in ranked]


def _schema_reasons(doc: Document) -> list[Reason]:
    # Collecting located errors costs about ten times the proof that there are
    # none, and nearly every document has none.
    if _proof()(doc.data):
        return []
    errors = _validator().iter_errors(doc.data)
    ranked = sorted(errors, key=lambda e: _RANK.get(str(e.validator), len(_RANK)))
    reasons: dict[str, Reason] = {}
    for error in ranked:
        for reason in _explain(doc, error):
            reasons.setdefault(reason.path, reason)
    return list(reasons.values())


def _explain(doc: Document, error: ValidationError) -> list[Reason]:
    path = list(error.absolute_path)
    line, where = _line_of(doc.data, path), _path_text(path)
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(error.schema.get("properties", {}))
        return [
            Reason(
                doc.file,
                _line_of(doc.data, [*path, key]),
                _join(where, key),
                _unknown(key, allowed, path),
            )
            for key in instance
            if key not in allowed
        ]
    if error.validator == "required" and isinstance(instance, dict):
        return [
            Reason(doc.file, line, where, f"missing {key}, which {_why(path)}")
            for key in error.validator_value
            if key not in instance
        ]
    if error.validator == "anyOf" and (found := _in_entry(path)):
        # The only anyOf: an override names its target by identity or sid.
        rt = found[0]
        message = f"missing {rt.identity} (or sid), which names the {rt.title} to "
        return [Reason(doc.file, line, where, message + "override")]
    return [Reason(doc.file, line, where or "(top level)", _message(error, path))]


def _message(error: ValidationError, path: list[Any]) -> str:
    value, rule, got = error.instance, error.validator_value, _show(error.instance)
    if error.validator == "type":
        return _type_message(value, rule, path)
    if error.validator == "enum":
        choices = [str(choice) for choice in rule if choice is not None]
        hint = _suggest(str(value), choices)
        return f"must be one of {', '.join(choices)} (got {got}){hint}"
    if error.validator == "pattern":
        if stray := _stray_space(value, rule):
            return f"has {stray} space; remove it (got {got})"
        expected = error.schema.get("patternErrorMessage", "has the wrong form")
        return f"{expected} (got {got})"
    if error.validator == "minimum":
        return f"must be at least {rule} (got {got})"
    if error.validator == "maximum":
        return f"must be at most {rule} (got {got})"
    if error.validator == "maxLength":
        return f"is {len(value)} characters long; at most {rule} are allowed"
    if error.validator == "minLength":
        return "cannot be empty"
    if error.validator == "uniqueItems":
        return "lists the same value more than once"
    if error.validator == "maxItems":
        return f"lists {len(value)} values; at most {rule} are allowed"
    return error.message


def _type_message(value: Any, expected: str | list[str], path: list[Any]) -> str:
    types = [expected] if isinstance(expected, str) else expected
    if value is None and (found := _in_entry(path)) and found[1]:
        rt, field = found[0], ".".join(map(str, found[1]))
        if field == rt.identity:
            return f"cannot be null: {field} identifies the {rt.title}"
        return "cannot be null (Twilio cannot clear it); leave it out to leave it as is"
    words = " or ".join(_TYPE_WORDS.get(t, t) for t in types if t != "null")
    text = (
        f"expected {words}{' (or null)' if 'null' in types else ''}, got {_show(value)}"
    )
    if "string" in types and isinstance(value, (int, float)):
        text += "; quote it to make it text"
    elif "boolean" in types and str(value).lower() in _YAML11_BOOLEANS:
        text += "; YAML 1.2 reads yes/no/on/off as text, so write true or false"
    elif "integer" in types and isinstance(value, str) and _SEXAGESIMAL.match(value):
        text += "; YAML 1.2 has no base-60 numbers, so write the number itself"
    return text


def _why(path: list[Any]) -> str:
    if (found := _in_entry(path)) and not found[1]:
        return f"identifies the {found[0].title}"
    return "is required"


def _unknown(key: str, allowed: list[str], path: list[Any]) -> str:
    if key == "purchase" and _in_entry(path):
        return "unknown field; purchase applies to phone_numbers only"
    return "unknown field" + _suggest(key, allowed)


def _in_entry(path: list[Any]) -> tuple[ResourceType, list[Any]] | None:
    """The kind of the entry (declared or overridden) ``path`` is in, and the
    path within it: overrides.queues[0].x gives (queues, [x])."""
    entry = path[1:] if path[:1] == ["overrides"] else path
    if len(entry) >= 2 and entry[0] in REGISTRY and isinstance(entry[1], int):
        return REGISTRY[entry[0]], entry[2:]
    return None


def _stray_space(value: Any, pattern: str) -> str:
    """ "a leading" / "a trailing" when only surrounding whitespace (pasted
    with the value) breaks the pattern, else ""."""
    if not isinstance(value, str) or value == value.strip():
        return ""
    if not re.search(pattern, value.strip()):
        return ""
    return "a leading" if value != value.lstrip() else "a trailing"


def _suggest(word: str, choices: list[str]) -> str:
    by_fold = {choice.casefold(): choice for choice in choices}
    match = difflib.get_close_matches(word.casefold(), list(by_fold), n=1)
    return f"; did you mean {by_fold[match[0]]}?" if match else ""


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (date, datetime)):
        # YAML reads an unquoted 2024-01-01 as a date, not text.
        return f"the date {value.isoformat()} (quote it to make it text)"
    return json.dumps(value, ensure_ascii=False)


def _line_of(data: Any, path: list[Any]) -> int:
    """Line of the last key on ``path`` that exists (else of its mapping)."""
    node, line = data, data.line() if isinstance(data, Located) else 1
    for part in path:
        if isinstance(node, Located) and part in node:
            line, node = node.line(part), node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            line = node.line() if isinstance(node, Located) else line
        else:
            break
    return line


def _path_text(path: list[Any]) -> str:
    text = ""
    for part in path:
        text = f"{text}[{part}]" if isinstance(part, int) else _join(text, str(part))
    return text


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _declared(manifest: Manifest) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Declared identities per kind, and those that several pinned entries share
    (an unpinned second declaration is reported as a duplicate instead)."""
    names: dict[str, set[str]] = {kind: set() for kind in REGISTRY}
    pinned: Counter[tuple[str, str]] = Counter()
    for entry in manifest.entries:
        value = entry.data.get(REGISTRY[entry.kind].identity)
        if isinstance(value, str):
            names[entry.kind].add(value)
            if isinstance(entry.data.get("sid"), str):
                pinned[entry.kind, value] += 1
    twice: dict[str, set[str]] = {kind: set() for kind in REGISTRY}
    for (kind, value), count in pinned.items():
        if count > 1:
            twice[kind].add(value)
    return names, twice


def _refs(entry: Entry) -> list[Field]:
    # References are top-level fields today; a nested one would need a walk here.
    return list(REGISTRY[entry.kind].aliases.values())


def _both_forms(entry: Entry) -> list[Reason]:
    return [
        entry.reason(f.alias, f"give either {f.alias} or {f.name}, not both")
        for f in _refs(entry)
        if f.alias in entry.data and f.name in entry.data
    ]


def _unresolved(
    entry: Entry, names: dict[str, set[str]], ambiguous: dict[str, set[str]]
) -> list[Reason]:
    problems = []
    for f in _refs(entry):
        value = entry.data.get(f.alias or "")
        target = REGISTRY[f.ref or ""]
        if not isinstance(value, str) or not value:
            continue
        if value in ambiguous[target.kind]:
            message = (
                f"{value!r} names more than one {target.title} (each pinned by "
                f"sid:); refer to one by its SID with {f.name} instead"
            )
            problems.append(entry.reason(f.alias, message))
            continue
        if value in names[target.kind]:
            continue
        declared = sorted(names[target.kind])
        hint = _suggest(value, declared) or (
            "" if declared else f"; no {target.kind} are declared"
        )
        message = f"no {target.title} named {value!r} is declared in the manifests"
        problems.append(entry.reason(f.alias, message + hint))
    return problems


def _set_by(entry: Entry, name: str) -> str | None:
    """The manifest key that gives field ``name`` a non-null value, if any."""
    alias = REGISTRY[entry.kind].by_name[name].alias
    for key in (name, alias):
        if key and entry.data.get(key) is not None:
            return key
    return None


def _overridden(entry: Entry) -> list[Reason]:
    """Settings Twilio ignores (or deletes) because another field wins, as the
    kind's ``precedence`` declares; ``allow_ignored`` keeps an ignored one."""
    if len(_precedence_keys(entry.kind) & entry.data.keys()) < 2:
        return []  # the usual case, found at C speed
    allowed = entry.data.get("allow_ignored")
    kept = set(allowed) if isinstance(allowed, list) else set()
    problems: dict[str, Reason] = {}
    for rule in REGISTRY[entry.kind].precedence:
        winner = _set_by(entry, rule.winner)
        if winner is None:
            continue
        for name in rule.fields:
            key = _set_by(entry, name)
            kept_on_purpose = bool(kept & {name, key}) and not rule.clears
            if key is None or key in problems or kept_on_purpose:
                continue
            if rule.clears:  # blamed on the winner, as "conflicts with" the other
                problems[winner] = entry.reason(winner, rule.refusal(winner, key))
            else:
                problems[key] = entry.reason(key, rule.refusal(winner, key))
    return list(problems.values())


@cache
def _precedence_keys(kind: str) -> frozenset[str]:
    """Every manifest key a precedence rule of ``kind`` involves."""
    rt = REGISTRY[kind]
    names = {n for rule in rt.precedence for n in (rule.winner, *rule.fields)}
    return frozenset(k for n in names for k in (n, rt.by_name[n].alias) if k)
