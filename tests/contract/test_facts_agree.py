"""The emulator keeps its own copy of each kind's paths, SID prefix and server
defaults, so that it stays an independent double. These tests hold that copy,
the resource registry and Twilio's descriptions (the packaged trimmed copies)
to one another, so that neither side can drift alone.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from twilio_iac.apis import APIS
from twilio_iac.emulator.http.kinds import KINDS
from twilio_iac.emulator.http.params import ENUMS, LENGTHS, RANGES
from twilio_iac.emulator.http.spec import load
from twilio_iac.resources import REGISTRY, Field, ResourceType

KINDS_MANAGED = sorted(REGISTRY)
# How a parameter's prose states its default; each yields the value as text.
DEFAULT_PROSE = (
    re.compile(r"defaults to `([^`]+)`"),
    re.compile(r"[Tt]he default is `([^`]+)`"),
    re.compile(r"[Tt]he default is (\d+)\b"),
    re.compile(r"Defaults to (\d+)\b"),
    re.compile(r"Default: (true|false)\b"),
)
DISABLED_BY_DEFAULT = re.compile(r"[Dd]isabled by default")


def _emulator_template(template: str) -> str:
    """The registry's ``{account_sid}``/``{sid}`` as the descriptions spell them."""
    return template.replace("{account_sid}", "{AccountSid}").replace("{sid}", "{Sid}")


def _sub_operation(template: str) -> Any:
    """The POST at a sub-path, whatever the description calls its parameters
    (``/v1/Trunks/{sid}/Recording`` is ``/v1/Trunks/{TrunkSid}/Recording``)."""
    shape = re.sub(r"\{\w+\}", "{}", template)
    (found,) = [
        op
        for (method, path), op in load().operations.items()
        if method == "POST" and re.sub(r"\{\w+\}", "{}", path) == shape
    ]
    return found


def _flat(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _doc(rt: ResourceType) -> dict[str, Any]:
    return load().docs[rt.api]


def _operation(rt: ResourceType, method: str, instance: bool) -> dict[str, Any]:
    template = _emulator_template(rt.instance if instance else rt.collection)
    return _doc(rt)["paths"][template][method]


def _json_schema(rt: ResourceType, op: dict[str, Any], status: str) -> dict:
    schema = op["responses"][status]["content"]["application/json"]["schema"]
    if "$ref" not in schema:  # list envelopes are written inline
        return schema
    name = schema["$ref"].rsplit("/", 1)[-1]
    return _doc(rt)["components"]["schemas"][name]


def _fetch_examples(rt: ResourceType) -> list[dict[str, Any]]:
    """The descriptions' fetch examples: what Twilio returns for a record."""
    content = _operation(rt, "get", True)["responses"]["200"]["content"]
    examples = content["application/json"].get("examples", {})
    return [_flat(example["value"]) for example in examples.values()]


def _stated_default(rt: ResourceType, f: Field) -> str | None:
    """The default a create or update parameter's description states, as text."""
    for method, instance in (("post", False), ("post", True)):
        body = _operation(rt, method, instance).get("requestBody", {})
        form = body.get("content", {}).get("application/x-www-form-urlencoded", {})
        text = form.get("schema", {}).get("properties", {}).get(f.request_param, {})
        description = text.get("description", "")
        for pattern in DEFAULT_PROSE:
            found = pattern.search(description)
            if found:
                return found.group(1)
        if DISABLED_BY_DEFAULT.search(description):
            return "false"
    return None


@pytest.mark.parametrize("kind", KINDS_MANAGED)
def test_the_emulator_serves_each_kind_where_the_registry_says(kind: str) -> None:
    rt, copy = REGISTRY[kind], KINDS[kind]
    assert copy.api == rt.api
    assert copy.collection == _emulator_template(rt.collection)
    assert copy.instance == _emulator_template(rt.instance)
    assert copy.list_key == rt.list_key
    assert copy.prefix == rt.sid_prefix


@pytest.mark.parametrize("kind", KINDS_MANAGED)
def test_paths_list_keys_and_prefixes_are_twilios(kind: str) -> None:
    rt = REGISTRY[kind]
    listing = _json_schema(rt, _operation(rt, "get", False), "200")
    assert rt.list_key in listing["properties"], rt.list_key
    record = _json_schema(rt, _operation(rt, "get", True), "200")["properties"]
    assert record["sid"]["pattern"] == f"^{rt.sid_prefix}[0-9a-fA-F]{{32}}$"
    for f in rt.fields:
        pattern = record.get(f.name, {}).get("pattern")
        if f.prefix and pattern:
            assert pattern == f"^{f.prefix}[0-9a-fA-F]{{32}}$", f.name


@pytest.mark.parametrize("kind", KINDS_MANAGED)
def test_server_defaults_agree_between_the_emulator_and_the_registry(
    kind: str,
) -> None:
    """Equal, or the emulator returns null where Twilio's own fetch example
    does: the registry reads a null as its default, so both mean the same."""
    rt = REGISTRY[kind]
    emulated = _flat(dict(KINDS[kind].defaults))
    shown_null = {
        name
        for example in _fetch_examples(rt)
        for name, v in example.items()
        if v is None
    }
    problems = []
    for f in rt.fields:
        mine, theirs = f.default, emulated.get(f.name)
        # A field naming a child (a workspace's default activity) defaults to
        # a child Twilio creates with the owner: test_taskrouter_contract.py.
        if mine == theirs or f.write_only or f.names_part:
            continue
        if theirs is None and f.name in shown_null:
            continue
        problems.append(f"{f.name}: registry {mine!r}, emulator {theirs!r}")
    assert problems == []


@pytest.mark.parametrize("kind", KINDS_MANAGED)
def test_defaults_the_descriptions_state_are_the_registrys(kind: str) -> None:
    """Parameters whose description states a default (``defaults to `POST` ``,
    ``The default is 1000``). Write-only fields are what twilio-iac sends, not
    what Twilio assumes, so they are left out (see auto_correct_address)."""
    rt = REGISTRY[kind]
    emulated = _flat(dict(KINDS[kind].defaults))
    problems = []
    for f in rt.fields:
        stated = _stated_default(rt, f)
        if stated is None or f.write_only:
            continue
        wanted = f.normalize(stated)
        if f.default != wanted:
            problems.append(f"{f.name}: registry {f.default!r}, Twilio {wanted!r}")
        if emulated.get(f.name) not in (wanted, None):
            problems.append(
                f"{f.name}: emulator {emulated[f.name]!r}, Twilio {wanted!r}"
            )
    assert problems == []


@pytest.mark.parametrize("kind", KINDS_MANAGED)
def test_limits_the_emulator_enforces_are_the_registrys(kind: str) -> None:
    """Ranges, lengths and choices, whether the description states them in its
    schema or only in prose (the emulator's RANGES, LENGTHS and ENUMS)."""
    rt = REGISTRY[kind]
    op = load().operations[("POST", _emulator_template(rt.instance))]
    create = load().operations[("POST", _emulator_template(rt.collection))]
    problems = []
    for f in rt.fields:
        param, schema = f.request_param, op.params.get(f.request_param, {})
        if param not in op.params:  # sent on create only (a workspace's Template)
            schema = create.params.get(param, {})
        if f.names_part:  # a name in manifests, the child's SID on the wire
            continue
        if f.endpoint:  # written at a sub-path of the instance (a trunk's Recording)
            schema = _sub_operation(rt.instance + f.endpoint).params.get(param, {})
        limits = ((f.minimum, f.maximum), f.max_length, f.enum)
        enforced = (
            RANGES.get((rt.api, param), (None, None)),
            schema.get("maxLength") or LENGTHS.get((rt.api, param)),
            tuple(schema.get("enum") or ENUMS.get((rt.api, param)) or ()),
        )
        if f.type in ("sid", "ref", "method"):  # prefix and choice checked above
            limits, enforced = limits[:1], enforced[:1]
        if limits != enforced:
            problems.append(f"{f.name}: registry {limits}, emulator {enforced}")
    assert problems == []


def test_the_emulator_serves_what_the_table_of_apis_describes() -> None:
    served = {kind.api for kind in KINDS.values()}
    assert served <= set(load().docs) <= set(APIS)


def test_no_two_apis_serve_one_path() -> None:
    """The sandbox serves every API on one base URL and routes by path alone
    (Verify's and Voice Intelligence's /v2/Services would collide)."""
    seen: dict[str, str] = {}
    clashes = []
    for api, doc in load().docs.items():
        for template in doc["paths"]:
            if template in seen:
                clashes.append(f"{template}: {seen[template]} and {api}")
            seen[template] = api
    assert clashes == []


def test_the_trimmed_descriptions_hold_exactly_the_served_paths() -> None:
    path = Path(__file__).parents[2] / "scripts" / "trim_oai.py"
    spec = importlib.util.spec_from_file_location("trim_oai", path)
    trim_oai = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(trim_oai)
    docs = load().docs
    wanted = {api: sorted(paths) for api, paths in trim_oai.served(docs).items()}
    held = {api: sorted(doc["paths"]) for api, doc in docs.items()}
    assert held == wanted, "run: python scripts/trim_oai.py"


def test_the_checks_above_compare_something() -> None:
    """Guards the parsers: they must still find the facts they compare."""
    stated = {
        (rt.kind, f.name): _stated_default(rt, f)
        for rt in REGISTRY.values()
        for f in rt.fields
    }
    assert stated[("queues", "max_size")] == "1000"
    assert stated[("phone_numbers", "voice_method")] == "POST"
    assert stated[("verify_services", "totp.time_step")] == "30"
    assert stated[("verify_services", "do_not_share_warning_enabled")] == "false"
    overlap = [
        (rt.kind, f.name)
        for rt in REGISTRY.values()
        for f in rt.fields
        if f.default is not None and f.name in _flat(dict(KINDS[rt.kind].defaults))
    ]
    assert len(overlap) >= 27, json.dumps(overlap)
