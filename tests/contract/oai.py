"""Check requests and responses against the packaged (trimmed) Twilio OpenAPI specs.

Independent of the emulator's own validation: request values are coerced from
their form strings and checked with jsonschema, and response schemas are
translated from OpenAPI 3.0 (``nullable``, component ``$ref``s) to JSON Schema.
Responses are checked strictly: every declared property present, no others.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema

import twilio_iac.emulator
from twilio_iac.apis import APIS

OAI = Path(twilio_iac.emulator.__file__).parent / "oai"
FILES = tuple(a.description for a in APIS.values() if (OAI / a.description).is_file())
# Lookup v2's own examples answer null for every package not asked for (and
# for error_code when there is none), yet its schemas declare nothing
# nullable: the examples are taken as the truth there.
NULL_AS_IN_EXAMPLES = frozenset({"https://lookups.twilio.com"})
_COPIED = ("type", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum")
# Formats Twilio's specs use, as full-match regexes over string values.
PATTERNS = {
    "date-time-rfc-2822": r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000",
    "date-time": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z",
    # E.164, or a channel address ("whatsapp:+1…") as the Messages To/From
    # descriptions allow.
    "phone-number": r"(whatsapp:)?\+[1-9]\d{1,14}",
    "iso-country-code": r"[A-Z]{2}",
    "uri": r"https?://[^/\s]+(/\S*)?",
}
# Trunk origination URLs are "uri"s of the sip: scheme.
PATTERNS["uri"] = rf"({PATTERNS['uri']})|([Ss][Ii][Pp]:\S+)"
# Where the same formats are looser: v2010 list envelopes hold relative URIs, and
# list filters take partial numbers with '*' wildcards.
# Available numbers' friendly_name is a "phone-number" that the description's
# own examples give as "(808) 925-5327": that form is taken as the truth too.
RESPONSE_PATTERNS = {
    **PATTERNS,
    "uri": rf"({PATTERNS['uri']})|(/\S*)",
    "phone-number": rf"({PATTERNS['phone-number']})|(\(\d{{3}}\) \d{{3}}-\d{{4}})",
}
QUERY_PATTERNS = {**PATTERNS, "phone-number": r"(whatsapp:)?\+?[0-9*]{1,15}"}


def _checker(patterns: dict[str, str]) -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())
    for name, pattern in patterns.items():
        compiled = re.compile(pattern)
        checker.checks(name)(
            lambda v, c=compiled: not isinstance(v, str) or bool(c.fullmatch(v))
        )
    return checker


FORM_FORMATS = _checker(PATTERNS)
QUERY_FORMATS = _checker(QUERY_PATTERNS)
RESPONSE_FORMATS = _checker(RESPONSE_PATTERNS)


@functools.cache
def _docs() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads((OAI / name).read_text(encoding="utf-8")) for name in FILES)


def find_operation(method: str, path: str) -> tuple[dict, dict, dict[str, str]] | None:
    """(spec, operation, path params) whose template matches the concrete path."""
    matches = []
    for doc in _docs():
        # A literal path (Studio's /v2/Flows/Validate) wins over a template
        # (/v2/Flows/{Sid}) that also matches it, as it does at Twilio.
        for template, item in sorted(
            doc["paths"].items(), key=lambda pair: pair[0].count("{")
        ):
            regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            found = re.match(f"^{regex}$", path)
            if found and method.lower() in item:
                matches.append((template.count("{"), doc, item, found))
    if not matches:
        return None
    # A literal segment beats a parameter: IncomingPhoneNumbers/Local.json is
    # not IncomingPhoneNumbers/{Sid}.json.
    _, doc, item, found = min(matches, key=lambda match: match[0])
    return doc, item[method.lower()], found.groupdict()


def to_json_schema(doc: dict, schema: dict, strict: bool = False) -> dict[str, Any]:
    """OpenAPI 3.0 schema → JSON Schema; ``strict`` requires exactly the properties."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return to_json_schema(doc, doc["components"]["schemas"][name], strict)
    out: dict[str, Any] = {key: schema[key] for key in _COPIED if key in schema}
    if "format" in schema:
        out["format"] = schema["format"]
    if "items" in schema:
        out["items"] = to_json_schema(doc, schema["items"], strict)
    if "properties" in schema:
        props = schema["properties"]
        out["properties"] = {
            k: to_json_schema(doc, v, strict) for k, v in props.items()
        }
        if strict:
            out["required"] = sorted(props)
            out["additionalProperties"] = False
    if schema.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def _check(
    schema: dict[str, Any], value: Any, where: str, formats: jsonschema.FormatChecker
) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema, format_checker=formats)
    problems = []
    for error in validator.iter_errors(value):
        location = "/".join(str(part) for part in error.absolute_path)
        problems.append(f"{where}{'/' + location if location else ''}: {error.message}")
    return problems


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    if kind == "integer" and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if kind == "number" and re.fullmatch(r"-?\d+(\.\d+)?", raw):
        return float(raw)
    return raw


def _request_params(doc: dict, op: dict) -> tuple[dict, set[str], dict]:
    """Declared query/form params, the required ones, and path param schemas."""
    params, required, path_params = {}, set(), {}
    for param in op.get("parameters", []):
        target = path_params if param["in"] == "path" else params
        target[param["name"]] = to_json_schema(doc, param["schema"])
        if param["in"] == "query" and param.get("required"):
            required.add(param["name"])
    content = op.get("requestBody", {}).get("content", {})
    form = content.get("application/x-www-form-urlencoded", {}).get("schema", {})
    for name, schema in form.get("properties", {}).items():
        params[name] = to_json_schema(doc, schema)
    return params, required | set(form.get("required", ())), path_params


def validate_request(
    method: str, path: str, form: Mapping[str, str | list[str]]
) -> list[str]:
    """Problems with a request: unknown, mistyped or missing parameters."""
    parts = urlsplit(path)
    merged: dict[str, list[str]] = parse_qs(parts.query, keep_blank_values=True)
    for name, value in form.items():
        merged.setdefault(name, []).extend([value] if isinstance(value, str) else value)
    found = find_operation(method, parts.path)
    if found is None:
        return [f"{method} {parts.path}: no such operation in the spec"]
    doc, op, ids = found
    params, required, path_params = _request_params(doc, op)
    formats = QUERY_FORMATS if method.upper() == "GET" else FORM_FORMATS
    problems = [
        problem
        for name, value in ids.items()
        for problem in _check(
            path_params.get(name, {}), value, f"path {name}", FORM_FORMATS
        )
    ]
    for name, values in merged.items():
        schema = params.get(name)
        if schema is None:
            problems.append(f"{name}: not a parameter of {op['operationId']}")
            continue
        if schema.get("type") != "array" and len(values) > 1:
            problems.append(f"{name}: given {len(values)} times")
        item = schema.get("items", schema)
        for raw in values:
            if raw != "":  # an empty value clears a field
                problems += _check(item, _coerce(raw, item), name, formats)
    given = {name for name, values in merged.items() if any(values)}
    problems += [f"{name}: required" for name in sorted(required - given)]
    for group in op.get("x-twilio", {}).get("conditional", []):
        names = {name: _pascal(name) for name in group}
        if not given & set(names.values()):
            problems.append(f"one of {', '.join(names.values())} is required")
    return problems


def _pascal(snake: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in snake.split("_"))


def validate_response(method: str, path: str, status: int, body: Any) -> list[str]:
    """Problems with a response: undeclared status, or a body off its schema."""
    found = find_operation(method, urlsplit(path).path)
    if found is None:
        return [f"{method} {path}: no such operation in the spec"]
    doc, op, _ = found
    response = op["responses"].get(str(status))
    if response is None:
        return [f"{op['operationId']}: status {status} is not declared"]
    content = response.get("content", {}).get("application/json")
    if content is None:
        return [] if body in (None, b"", "") else [f"{status}: expected no body"]
    schema = to_json_schema(doc, content["schema"], strict=True)
    servers = {server["url"] for server in doc.get("servers", [])}
    if servers & NULL_AS_IN_EXAMPLES:
        props = schema.get("properties", {})
        schema = {**schema, "properties": {k: _nullable(v) for k, v in props.items()}}
    return _check(schema, body, op["operationId"], RESPONSE_FORMATS)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with null allowed at every property, recursively."""
    out = dict(schema)
    if "properties" in out:
        out["properties"] = {k: _nullable(v) for k, v in out["properties"].items()}
        return {"anyOf": [out, {"type": "null"}]}
    if "items" in out:
        out["items"] = _nullable(out["items"])
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    return out
