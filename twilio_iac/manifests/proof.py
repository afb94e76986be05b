"""Prove a manifest valid quickly, so jsonschema's located errors are collected
only for a document that has some.

jsonschema spends most of a 10,000-entry manifest on per-object bookkeeping, not
on the rules. Here the structural keywords (type, properties,
additionalProperties, required, items, allOf, anyOf, $ref) are walked directly
and every other schema (a field's pattern, enum, length...) goes to jsonschema
itself, once per distinct value. A schema using any other keyword is handed
whole to jsonschema, so a True is jsonschema's verdict; False only means "not
proven" and schema.py then runs the full validation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema.protocols import Validator

Check = Callable[[Any], bool]

# Keywords that never affect validity.
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "patternErrorMessage",
    }
)
_STRUCTURAL = frozenset(
    {
        "type",
        "properties",
        "additionalProperties",
        "required",
        "items",
        "allOf",
        "anyOf",
        "$ref",
    }
)
# Keywords whose meaning depends on where the schema sits in its document.
_PLACED = frozenset({"$ref", "$dynamicRef", "$id", "$anchor", "$dynamicAnchor"})
_SCALARS = (str, int, float, bool, type(None))
_MEMO_SIZE = 10_000  # verdicts kept per field schema, so memory stays bounded
# Keywords that never fail a value (annotations), and those a plain string
# check covers exactly as jsonschema does (its "pattern" is re.search too).
_NOTES = frozenset(
    {"title", "description", "examples", "default", "deprecated", "patternErrorMessage"}
)
_STRING = frozenset({"type", "pattern", "minLength", "maxLength"}) | _NOTES


def compile_proof(validator: Validator, schemas: Mapping[str, Any]) -> Check:
    """A function telling whether an instance is proved valid under
    ``validator.schema``; ``schemas`` maps each ``$ref`` the schemas use to the
    schema it names. Compile once and reuse: compiling costs milliseconds."""
    return _Compiler(validator, schemas).compile(validator.schema)


def _never(_instance: Any) -> bool:
    return False


def _always(_instance: Any) -> bool:
    return True


class _Compiler:
    """Turns each schema into a Check, once per schema object."""

    def __init__(self, validator: Validator, schemas: Mapping[str, Any]) -> None:
        self.validator = validator
        self.schemas = schemas
        self.done: dict[int, Check] = {}

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return _always
        if not isinstance(schema, dict):
            return _never  # `false`, or not a schema: not proven
        check = self.done.get(id(schema))
        if check is None:
            # Placeholder first, so that a recursive $ref cannot loop.
            self.done[id(schema)] = _never
            check = self.done[id(schema)] = self._build(schema)
        return check

    def _build(self, schema: dict[str, Any]) -> Check:
        keywords = set(schema) - _ANNOTATIONS
        if not keywords <= _STRUCTURAL:
            return self._leaf(schema)
        ref = schema.get("$ref")
        if ref is not None and ref not in self.schemas:
            return _never
        subs = [self.compile(sub) for sub in schema.get("allOf", ())]
        if ref is not None:
            subs.append(self.compile(self.schemas[ref]))
        types = schema.get("type")
        return _Node(
            is_type=self.validator.is_type,
            types=[types] if isinstance(types, str) else types,
            objects=bool(keywords & {"properties", "additionalProperties", "required"}),
            properties={
                key: self.compile(sub)
                for key, sub in schema.get("properties", {}).items()
            },
            extra=self.compile(schema.get("additionalProperties", True)),
            required=list(schema.get("required", ())),
            items=self.compile(schema["items"]) if "items" in schema else None,
            all_of=subs,
            any_of=[self.compile(sub) for sub in schema["anyOf"]]
            if "anyOf" in schema
            else None,
        )

    def _leaf(self, schema: dict[str, Any]) -> Check:
        if _mentions(schema, _PLACED):
            return _never
        if _string_types(schema.get("type")) and set(schema) <= _STRING:
            # Every value differs here (numbers, names): asking jsonschema
            # about each one was a third of the proof's time at 10,000 entries.
            return _string_check(schema)
        sub = self.validator.evolve(schema=schema)
        memo: dict[tuple[type, Any], bool] = {}

        def check(x: Any) -> bool:
            if not isinstance(x, _SCALARS):
                return sub.is_valid(x)
            key = (type(x), x)  # True == 1, but not for a schema
            verdict = memo.get(key)
            if verdict is None:
                if len(memo) >= _MEMO_SIZE:
                    memo.clear()
                verdict = memo[key] = sub.is_valid(x)
            return verdict

        return check


@dataclass(frozen=True)
class _Node:
    """The structural keywords of one schema, each as jsonschema reads them."""

    is_type: Callable[[Any, str], bool]
    types: list[str] | None
    objects: bool  # has properties, additionalProperties or required
    properties: dict[str, Check]
    extra: Check  # additionalProperties
    required: list[str]
    items: Check | None
    all_of: list[Check]
    any_of: list[Check] | None

    def __call__(self, x: Any) -> bool:
        is_type = self.is_type
        if self.types is not None and not any(is_type(x, t) for t in self.types):
            return False
        if self.objects and is_type(x, "object"):
            if any(name not in x for name in self.required):
                return False
            properties, extra = self.properties, self.extra
            for key, value in x.items():
                if not properties.get(key, extra)(value):
                    return False
        items = self.items
        if items is not None and is_type(x, "array") and not all(map(items, x)):
            return False
        for check in self.all_of:
            if not check(x):
                return False
        return self.any_of is None or any(check(x) for check in self.any_of)


def _string_types(types: Any) -> bool:
    """ "string", or ["string", "null"]: a nullable text field."""
    if types == "string":
        return True
    return (
        isinstance(types, list)
        and "string" in types
        and set(types)
        <= {
            "string",
            "null",
        }
    )


def _string_check(schema: dict[str, Any]) -> Check:
    pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    nullable = isinstance(schema["type"], list) and "null" in schema["type"]

    def check(x: Any) -> bool:
        if x is None:
            return nullable
        if not isinstance(x, str):
            return False
        # JSON Schema counts code points, as len() does.
        if len(x) < low or (high is not None and len(x) > high):
            return False
        return pattern is None or pattern.search(x) is not None

    return check


def _mentions(schema: Any, keywords: frozenset[str]) -> bool:
    if isinstance(schema, dict):
        return bool(keywords & set(schema)) or any(
            _mentions(value, keywords) for value in schema.values()
        )
    if isinstance(schema, list):
        return any(_mentions(value, keywords) for value in schema)
    return False
