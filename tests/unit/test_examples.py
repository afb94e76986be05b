"""Every manifest under examples/ validates, and points editors at the schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from twilio_iac.manifests.desired import load
from twilio_iac.model import Key

EXAMPLES = Path(__file__).parent.parent.parent / "examples"
# examples/ci holds CI configuration (GitHub Actions, pre-commit), not manifests.
MANIFESTS = sorted(
    path for path in EXAMPLES.rglob("*.y*ml") if EXAMPLES / "ci" not in path.parents
)
# Layered examples: each environment validates on top of base/, not alone.
ENVIRONMENTS = EXAMPLES / "environments"
DIRECTORIES = sorted(
    {path.parent for path in MANIFESTS if ENVIRONMENTS not in path.parents}
)
LAYERS = [
    [ENVIRONMENTS / "base"],
    [ENVIRONMENTS / "base", ENVIRONMENTS / "staging"],
    [ENVIRONMENTS / "base", ENVIRONMENTS / "prod"],
]


def test_examples_exist() -> None:
    assert {d.name for d in DIRECTORIES} >= {"starter", "split"}
    layered = {path.parent for path in MANIFESTS if ENVIRONMENTS in path.parents}
    assert layered == {layer for layers in LAYERS for layer in layers}


@pytest.mark.parametrize("layers", LAYERS, ids=lambda ls: "+".join(p.name for p in ls))
def test_environment_layers_validate(layers: list[Path]) -> None:
    loaded = load(layers, env={})
    assert loaded.resources
    assert loaded.warnings == ()


@pytest.mark.parametrize("directory", DIRECTORIES, ids=lambda d: d.name)
def test_example_directory_validates(directory: Path) -> None:
    loaded = load([directory], env={})
    assert loaded.resources
    assert loaded.warnings == ()


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_example_names_the_schema_on_its_first_line(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    relative = Path("../" * len(path.relative_to(EXAMPLES).parts[:-1]))
    schema = (relative / ".." / "schemas" / "manifest.schema.json").as_posix()
    assert first == f"# yaml-language-server: $schema={schema}"
    assert (path.parent / schema).resolve().is_file()


def test_split_example_takes_the_webhook_host_from_the_environment() -> None:
    env = {"WEBHOOK_HOST": "staging.example.com"}
    loaded = load([EXAMPLES / "split"], env=env)
    app = loaded.resources[Key("applications", "ivr-main")]
    assert app.fields["voice_url"] == "https://staging.example.com/twilio/ivr"
    assert len(loaded.files) == len(list((EXAMPLES / "split").glob("*.yaml")))


def test_starter_declares_one_of_each_kind() -> None:
    loaded = load([EXAMPLES / "starter" / "twilio.yaml"], env={})
    kinds = sorted(key.kind for key in loaded.resources)
    assert kinds == [
        "addresses",
        "applications",
        "phone_numbers",
        "queues",
        "verify_services",
    ]
    assert Key("phone_numbers", "+14155550100") in loaded.resources


def test_prod_overrides_base_field_by_field_and_ignores_legacy_objects() -> None:
    base = load([ENVIRONMENTS / "base"], env={})
    prod = load([ENVIRONMENTS / "base", ENVIRONMENTS / "prod"], env={})
    assert set(prod.resources) == set(base.resources)
    number = Key("phone_numbers", "+14155550101")
    assert base.resources[number].fields["voice_url"] == (
        "https://staging.example.com/twilio/sales"
    )
    assert prod.resources[number].fields["voice_url"] == (
        "https://hooks.example.com/twilio/sales"
    )
    assert (
        prod.resources[number].location
        == str(ENVIRONMENTS / "base" / "numbers.yaml") + ":4"
    )
    support = Key("queues", "support")
    assert base.resources[support].fields["max_size"] == 20
    assert prod.resources[support].fields["max_size"] == 200
    changed = {
        key
        for key, resource in prod.resources.items()
        if resource.fields != base.resources[key].fields
    }
    assert changed == {
        number,
        support,
        Key("verify_services", "Example login"),
        # Prod's webhooks on the prod host, not staging's (base points there).
        Key("applications", "ivr-main"),
        Key("applications", "sms-bot"),
    }
    prod_urls = [
        value
        for key, resource in prod.resources.items()
        if key.kind == "applications"
        for value in resource.fields.values()
        if isinstance(value, str) and value.startswith("https://")
    ]
    assert prod_urls and not any("staging" in url for url in prod_urls)
    assert prod.ignored("applications", "Legacy IVR")
    assert prod.ignored("phone_numbers", "+18005550199")
    assert not base.ignored("applications", "Legacy IVR")


def test_prod_host_comes_from_the_environment() -> None:
    env = {"PROD_HOST": "voice.example.org"}
    prod = load([ENVIRONMENTS / "base", ENVIRONMENTS / "prod"], env=env)
    number = prod.resources[Key("phone_numbers", "+14155550101")]
    assert number.fields["voice_url"] == "https://voice.example.org/twilio/sales"
