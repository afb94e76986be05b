"""Registry invariants: every kind is complete, consistent and documented."""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path

import pytest

from twilio_iac.resources import KIND_MODULES, REGISTRY, apply_order
from twilio_iac.resources.base import Field, ResourceType, register

ROOT = Path(__file__).parents[2]


def test_each_kind_module_registers_the_kind_it_is_named_after():
    assert list(REGISTRY) == KIND_MODULES
    for kind in KIND_MODULES:
        module = importlib.import_module(f"twilio_iac.resources.{kind}")
        defined = [v for v in vars(module).values() if isinstance(v, ResourceType)]
        assert [rt.kind for rt in defined] == [kind]


def test_every_kind_is_served_by_the_emulator():
    from twilio_iac.emulator.http.kinds import KINDS

    assert set(REGISTRY) <= set(KINDS)


def test_every_kind_has_a_schema_and_an_example():
    manifest = json.loads((ROOT / "schemas" / "manifest.schema.json").read_text())
    examples = "".join(p.read_text() for p in (ROOT / "examples").rglob("*.yaml"))
    for kind in REGISTRY:
        assert (ROOT / "schemas" / f"{kind}.schema.json").exists(), kind
        assert kind in manifest["properties"], kind
        assert f"{kind}:" in examples, kind


def test_references_point_at_registered_kinds_and_order_has_no_cycle():
    for rt in REGISTRY.values():
        assert set(rt.references.values()) <= set(REGISTRY), rt.kind
    order = apply_order()
    assert sorted(order) == sorted(REGISTRY)
    for rt in REGISTRY.values():
        for target in rt.references.values():
            assert order.index(target) < order.index(rt.kind)


def test_a_kind_cannot_be_registered_twice():
    rt = REGISTRY["queues"]
    with pytest.raises(ValueError, match="registered twice"):
        register(rt)


def test_request_params_are_derived_from_response_names():
    assert Field("sms_url").request_param == "SmsUrl"
    assert Field("push.include_date").request_param == "Push.IncludeDate"
    assert (
        Field("passkeys.relying_party.id").request_param == "Passkeys.RelyingParty.Id"
    )


def test_identity_must_be_a_field():
    with pytest.raises(ValueError, match="identity"):
        ResourceType("x", "x", "core", "/c", "/c/{sid}", "x", "XX", "name", ())


def test_api_must_be_in_the_table_of_apis():
    field = Field("name")
    with pytest.raises(ValueError, match="unknown API 'v2010'"):
        ResourceType("x", "x", "v2010", "/c", "/c/{sid}", "x", "XX", "name", (field,))


def test_a_pattern_says_what_it_wants():
    with pytest.raises(ValueError, match="pattern_message"):
        Field("code", pattern="^[A-Z]{2}$")


def test_field_patterns_reach_the_generated_schemas():
    for rt in REGISTRY.values():
        schema = json.loads((ROOT / "schemas" / f"{rt.kind}.schema.json").read_text())
        for f in rt.fields:
            if f.pattern and "." not in f.name:
                prop = schema["properties"][f.name]
                assert prop["pattern"] == f.pattern, (rt.kind, f.name)
                assert prop["patternErrorMessage"] == f.pattern_message


def test_readme_reference_is_generated_from_the_registry():
    spec = importlib.util.spec_from_file_location(
        "gen_reference", ROOT / "scripts" / "gen_reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, "run: python scripts/gen_reference.py"
