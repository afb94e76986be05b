"""schema_proof: the fast validity proof agrees with jsonschema on every
document tried, so check() may skip collecting errors when it proves none."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from twilio_iac.manifests import schema
from twilio_iac.manifests.located import Loader

FIXTURES = Path(__file__).parent.parent / "fixtures" / "manifests"
VALID = [
    "nested-verify.yaml",
    "normalize.yaml",
    "layers/base/numbers.yaml",
    "layers/base/apps.yaml",
    "layers/prod/overrides.yaml",
    "layers/prod/more.yaml",
    "ordered/a-apps.yaml",
]
ADDRESS = """
addresses:
  - friendly_name: HQ
    customer_name: Example Inc
    street: 1 Main St
    city: San Francisco
    region: CA
    postal_code: "94105"
    iso_country: US
"""
# Between them: every kind, a nested object, overrides (anyOf), ignore, prune.
VARIED = [
    "nested-verify.yaml",
    "normalize.yaml",
    "layers/prod/overrides.yaml",
    ADDRESS,
]
# Candidate values for every field: right and wrong types, bounds, forms.
VALUES: list[Any] = [
    None,
    "",
    "x",
    "x" * 100,
    "GET",
    "post",
    "https://example.com/a",
    "+14155550100",
    "PN0123456789abcdef0123456789abcdef",
    "AP0123456789abcdef0123456789abcdef",
    0,
    -1,
    4,
    10,
    99999,
    1.5,
    4.0,
    True,
    False,
    [],
    ["x"],
    {},
    {"unknown": 1},
    {"include_date": True},
]


def _load(name: str) -> Any:
    """A fixture by file name, or a document given inline."""
    text = name if "\n" in name else (FIXTURES / name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=Loader)


def _plain(document: Any) -> Any:
    """A copy in plain dicts and lists (validity does not depend on Located)."""
    return json.loads(json.dumps(document))


def _proved(document: Any) -> bool:
    return schema._proof()(document)


@pytest.mark.parametrize("name", [*VALID, ADDRESS])
def test_valid_fixtures_are_proved_valid(name: str) -> None:
    document = _load(name)
    assert schema._validator().is_valid(document)
    assert _proved(document)


def _entries(document: Any) -> list[tuple[dict[str, Any], str]]:
    """(entry, kind) for every declaration and override in the document."""
    found = []
    for section in (document, document.get("overrides") or {}):
        for kind, items in section.items():
            if isinstance(items, list) and kind in schema.REGISTRY:
                found += [(entry, kind) for entry in items if isinstance(entry, dict)]
    return found


def _variants(document: Any) -> list[Any]:
    """The document with one field of one entry set to each candidate value,
    an unknown field added, or the entry's identity removed."""
    variants = []
    for index, (_entry, kind) in enumerate(_entries(document)):
        properties = schema._schemas()[f"{kind}.schema.json"]["properties"]
        for key in [*properties, "unknown_field"]:
            for value in [*VALUES, "missing"]:
                twin = _plain(document)
                target = _entries(twin)[index][0]
                if value == "missing":
                    target.pop(key, None)
                else:
                    target[key] = value
                variants.append(twin)
    return variants


@pytest.mark.parametrize(
    "name", VARIED, ids=["verify", "normalize", "overrides", "address"]
)
def test_proof_agrees_with_jsonschema(name: str) -> None:
    # Proving valid what jsonschema rejects would hide a problem; failing to
    # prove a valid document only costs time, but with these schemas it means
    # the proof has fallen out of step with them.
    validator = schema._validator()
    verdicts = set()
    for variant in _variants(_load(name)):
        verdicts.add(valid := validator.is_valid(variant))
        assert _proved(variant) == valid, variant
    assert verdicts == {True, False}


def test_proof_agrees_on_the_top_level() -> None:
    validator = schema._validator()
    base = _load("layers/prod/overrides.yaml")
    for key in ["prune", "account_sid", "overrides", "ignore", "queues", "nope"]:
        for value in VALUES:
            twin = _plain(base)
            twin[key] = value
            assert _proved(twin) == validator.is_valid(twin), (key, value)
    for document in [None, [], "text", 1]:
        assert not _proved(document)
