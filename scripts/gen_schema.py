"""Generate schemas/*.schema.json (JSON Schema 2020-12) from the resource registry.

Run ``python scripts/gen_schema.py`` after changing twilio_iac/resources/ and commit
the result; ``--check`` exits 1 when the committed files are stale. Descriptions
come from the Field definitions so yaml-language-server users get hover docs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a source checkout
    sys.path.insert(0, str(ROOT))

from twilio_iac.resources import REGISTRY, Field, ResourceType, get  # noqa: E402
from twilio_iac.resources.pools import Children, Pool  # noqa: E402

DRAFT = "https://json-schema.org/draft/2020-12/schema"
HEX32 = "[0-9a-fA-F]{32}"
URL = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+([/?#]\S*)?$"
Schema = dict[str, Any]

_TEXT = {
    "string": "Text.",
    "uri": "Absolute http(s) URL.",
    "method": "HTTP method for the matching URL: GET or POST (any case).",
    "boolean": "true or false.",
    "enum": "One of the listed values.",
    "integer": "A whole number in the allowed range.",
}


def build() -> dict[str, Schema]:
    """File name → schema: manifest.schema.json plus one file per kind."""
    schemas = {"manifest.schema.json": _manifest()}
    for kind in sorted(REGISTRY):
        schemas[f"{kind}.schema.json"] = _kind(REGISTRY[kind])
    return schemas


def render(schema: Schema) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _manifest() -> Schema:
    properties: Schema = {
        "account_sid": {
            "type": "string",
            "description": "Guard: plan and apply refuse to run against any other "
            "account. Every file that sets it must agree.",
            **_sid_pattern("AC", "an account SID"),
        },
        "prune": {
            "type": ["array", "null"],
            "description": "Kinds whose live objects that no manifest declares are "
            "deleted. Default: none (undeclared objects are left alone). The lists "
            "of all files are combined.",
            "uniqueItems": True,
            "items": {"type": "string", "enum": _prunable()},
        },
    }
    for kind in sorted(REGISTRY):
        rt = REGISTRY[kind]
        properties[kind] = {
            "type": ["array", "null"],
            "description": rt.description,
            "items": _item(kind, {"required": [rt.identity]}),
        }
    properties["overrides"] = _overrides()
    properties["ignore"] = _ignore()
    return {
        "$schema": DRAFT,
        "title": "twilio-iac manifest",
        "description": "A Twilio account as code. Fields use the snake_case names "
        "of Twilio's API responses; a field left out is unmanaged, null clears it.",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }


def _prunable() -> list[str]:
    """Kinds, and ``kind.part`` for children Twilio creates with their owner
    (kept when not listed unless pruned by that name)."""
    parts = [
        f"{kind}.{part.name}"
        for kind, rt in REGISTRY.items()
        for part in rt.parts
        if isinstance(part, Children) and part.adopted
    ]
    return sorted([*REGISTRY, *parts])


def _item(kind: str, identified: Schema) -> Schema:
    """The kind's schema plus how an item is identified. allOf, not siblings of
    $ref: draft-07 editors (yaml-language-server) drop keywords beside $ref."""
    return {"allOf": [{"$ref": f"{kind}.schema.json"}], **identified}


def _overrides() -> Schema:
    kinds: Schema = {}
    for kind in sorted(REGISTRY):
        rt = REGISTRY[kind]
        kinds[kind] = {
            "type": ["array", "null"],
            "description": f"Changes to {rt.title} entries of earlier layers, each "
            f"named by {rt.identity} (or sid). Only the fields written change.",
            "items": _item(
                kind, {"anyOf": [{"required": [rt.identity]}, {"required": ["sid"]}]}
            ),
        }
    text = (
        "Field changes to resources declared in an earlier layer (an earlier PATH "
        "argument). A field written here replaces the earlier value (nested "
        "objects merge per field; null clears); declaring the same resource again "
        "outside overrides is an error."
    )
    return _section(text, kinds)


def _ignore() -> Schema:
    kinds: Schema = {}
    for kind in sorted(REGISTRY):
        kinds[kind] = {
            "type": ["array", "null"],
            "description": "Glob patterns (*, ?, [...]; case-sensitive) on "
            f"{REGISTRY[kind].identity} of {kind.replace('_', ' ')} managed "
            "elsewhere.",
            "uniqueItems": True,
            "items": {"type": "string", "minLength": 1},
        }
    text = (
        "Live objects managed elsewhere: never compared, never deleted (even with "
        "prune). Declaring an object a rule matches is an error. The rules of all "
        "files and layers are combined."
    )
    return _section(text, kinds)


def _section(text: str, kinds: Schema) -> Schema:
    return {
        "type": ["object", "null"],
        "description": text,
        "additionalProperties": False,
        "properties": kinds,
    }


def _kind(rt: ResourceType) -> Schema:
    properties = _nest(rt, [f for f in rt.fields if f.name == rt.identity])
    properties.update(_nest(rt, [f for f in rt.fields if f.name != rt.identity]))
    properties["sid"] = {
        "type": "string",
        "description": f"Pins this entry to one live {rt.title} by SID instead of "
        f"matching on {rt.identity}.",
        **_sid_pattern(rt.sid_prefix, f"a {rt.title} SID"),
    }
    for part in rt.parts:
        *groups, leaf = part.name.split(".")
        target = properties
        for group in groups:
            target = target.setdefault(group, _pool_group(group))["properties"]
        target[leaf] = _part(rt, part)
    ignorable = sorted({n for p in rt.precedence if not p.clears for n in p.fields})
    if ignorable:
        properties["allow_ignored"] = {
            "type": "array",
            "description": "Settings to keep although Twilio ignores them while "
            "another field wins (such as voice_url while voice_application is "
            "set); without this, declaring one is an error.",
            "uniqueItems": True,
            "items": {"type": "string", "enum": ignorable},
        }
    if not rt.creatable:
        properties["purchase"] = {
            "type": "boolean",
            "default": False,
            "description": f"Buy this {rt.title} if the account does not own it "
            f"yet (this costs money). Without it a missing {rt.title} is an error.",
        }
    return {
        "$schema": DRAFT,
        "title": rt.title,
        "description": _kind_text(rt),
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }


def _pool_group(name: str) -> Schema:
    return {
        "type": "object",
        "description": f"The pools under {name}:. A pool written here is the exact "
        "pool: members not listed are removed. A pool left out is unmanaged.",
        "additionalProperties": False,
        "properties": {},
    }


def _part(rt: ResourceType, part: Pool | Children) -> Schema:
    if isinstance(part, Pool):
        item: Schema = {"type": "string", "minLength": 1}
        if part.pattern:
            item.update(pattern=part.pattern, patternErrorMessage=part.pattern_message)
        exact = (
            "The exact pool: members missing live are added, live members not "
            "listed are removed; an empty list empties it, leaving it out leaves "
            "it unmanaged."
        )
        if part.exclusive:
            exact += f" Twilio allows a {part.title} in one {rt.title} only."
        schema: Schema = {
            "title": part.name,
            "description": f"{part.description} {exact}",
            "type": ["array", "null"],
            "uniqueItems": True,
            "items": item,
        }
        if part.max_items is not None:
            schema["maxItems"] = part.max_items
        return schema
    return _children(rt, part)


def _children(rt: ResourceType, part: Children) -> Schema:
    fields = {f.name: _field(rt, f) for f in part.fields}
    fields[part.identity]["minLength"] = 1
    if part.prefix:
        fields["sid"] = {
            "title": "sid",
            "description": f"Pin: the live {part.title} of this SID, whatever its "
            f"{part.identity} (a changed {part.identity} renames it).",
            "type": "string",
            **_sid_pattern(part.prefix, f"{_a(part.title)} SID"),
        }
    from_files = dict(part.files)
    for key, field in from_files.items():
        fields[key] = {
            "title": key,
            "description": f"A JSON or YAML file, relative to the manifest, "
            f"holding {field} (instead of writing {field} here).",
            "type": "string",
            "minLength": 1,
        }
    required = [part.identity] + [
        f.name
        for f in part.fields
        if f.required and f.name != part.identity and f.name not in from_files.values()
    ]
    item: Schema = {
        "type": "object",
        "title": part.title,
        "additionalProperties": False,
        "required": required,
        "properties": fields,
    }
    # Exactly one of a field and the file holding it.
    item |= _one_of_each(from_files)
    kept = (
        f" Twilio creates {', '.join(part.adopted)} with the {rt.title}: "
        f"they are kept when not listed unless prune names {rt.kind}.{part.name}."
        if part.adopted
        else ""
    )
    return {
        "title": part.name,
        "description": f"{part.description} The exact list: entries missing live "
        "are created, live ones not listed are deleted; leaving it out leaves it "
        f"unmanaged.{kept}",
        "type": ["array", "null"],
        "items": item,
    }


def _one_of_each(from_files: dict[str, str]) -> Schema:
    pairs = [
        {"oneOf": [{"required": [key]}, {"required": [field]}]}
        for key, field in from_files.items()
    ]
    return {"allOf": pairs} if pairs else {}


def _kind_text(rt: ResourceType) -> str:
    if "identified by" in rt.description.lower():
        return rt.description
    return f"{rt.description} Identified by {rt.identity}."


def _nest(rt: ResourceType, fields: list[Field]) -> Schema:
    """Properties for fields, dotted names becoming nested objects."""
    properties: Schema = {}
    for f in fields:
        *groups, leaf = f.name.split(".")
        target = properties
        for group in groups:
            target = target.setdefault(group, _group(group))["properties"]
        if f.alias:
            target[f.alias] = _alias(f)
        if f.file_alias:
            target[f.file_alias] = _file_alias(f)
        target[leaf] = _field(rt, f)
    return properties


def _group(name: str) -> Schema:
    return {
        "type": "object",
        "description": f"{name} settings; write the fields nested under {name}:.",
        "additionalProperties": False,
        "properties": {},
    }


def _field(rt: ResourceType, f: Field) -> Schema:
    identity = f.name == rt.identity
    schema: Schema = {"title": f.name, "description": _describe(rt, f, identity)}
    schema.update(_constraints(f))
    if identity:
        schema["minLength"] = 1
    if f.pattern:
        schema.update(pattern=f.pattern, patternErrorMessage=f.pattern_message)
    if f.nullable and not identity:
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    if f.default is not None:
        schema["default"] = f.default
    return schema


def _constraints(f: Field) -> Schema:
    if f.type == "uri":
        message = "must be an absolute http(s) URL like https://example.com/voice"
        return {
            "type": "string",
            "format": "uri",
            "pattern": URL,
            "patternErrorMessage": message,
        }
    if f.type == "method":
        pattern = "^(" + "|".join(map(_any_case, f.enum)) + ")$"
        message = "must be " + " or ".join(f.enum)
        return {
            "type": "string",
            "pattern": pattern,
            "patternErrorMessage": message,
            "examples": list(f.enum),
        }
    if f.type in ("sid", "ref"):
        return {"type": "string", **_sid_pattern(f.prefix or "", "a SID")}
    if f.type == "enum":
        return {"type": "string", "enum": list(f.enum)}
    if f.type == "json":
        return {"type": ["object", "string"]}  # a mapping, or JSON text
    if f.type == "integer":
        bounds = {"minimum": f.minimum, "maximum": f.maximum}
        return {"type": "integer", **{k: v for k, v in bounds.items() if v is not None}}
    if f.type == "boolean":
        return {"type": "boolean"}
    if f.type == "json":
        return {"type": "object"}
    return {"type": "string", **({"maxLength": f.max_length} if f.max_length else {})}


def _file_alias(f: Field) -> Schema:
    return {
        "title": f.file_alias,
        "description": f"A JSON or YAML file holding {f.name}, relative to this "
        f"manifest; write either {f.file_alias} or {f.name}.",
        "type": "string",
        "minLength": 1,
    }


def _alias(f: Field) -> Schema:
    target = get(f.ref or "")
    return {
        "title": f.alias,
        "description": f"The {target.title} to use, by its {target.identity} as "
        f"declared in these manifests. Write {f.name} instead for "
        f"{_a(target.title)} managed elsewhere; null clears it.",
        "type": ["string", "null"],
        "minLength": 1,
    }


def _describe(rt: ResourceType, f: Field, identity: bool) -> str:
    parts = [f.description or ("" if identity else _TEXT.get(f.type, ""))]
    if f.type == "ref":
        target = get(f.ref or "")
        parts.append(
            f"SID of {_a(target.title)} managed elsewhere; write "
            f"{f.alias} to name one declared in these manifests."
        )
    elif f.type == "sid":
        parts.append(f"SID ({f.prefix} + 32 hex digits).")
    if identity:
        parts.append(f"Identifies the {rt.title}; required, cannot be null.")
    elif not f.nullable:
        parts.append("Cannot be null.")
    else:
        parts.append("null clears it.")
    if f.create_only and not identity:
        parts.append(f"Changing it replaces the {rt.title}.")
    if f.write_only:
        parts.append("Sent on every apply but never compared.")
    if f.default is not None:
        parts.append(f"Twilio's default: {json.dumps(f.default)}.")
    return " ".join(part for part in parts if part)


def _sid_pattern(prefix: str, what: str) -> Schema:
    return {
        "pattern": f"^{prefix}{HEX32}$",
        "patternErrorMessage": f"must be {what}: {prefix} followed by 32 hex digits",
    }


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "schemas")
    parser.add_argument("--check", action="store_true", help="only compare")
    args = parser.parse_args(argv)
    stale = []
    for name, schema in build().items():
        path, text = args.out / name, render(schema)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not args.check:
            args.out.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    verb = "stale" if args.check else "written"
    print(f"{verb}: {', '.join(stale)}" if stale else "schemas are up to date")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
