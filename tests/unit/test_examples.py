"""Every manifest under examples/ validates, and points editors at the schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from twilio_iac.desired import load
from twilio_iac.model import Key

EXAMPLES = Path(__file__).parent.parent.parent / "examples"
MANIFESTS = sorted(EXAMPLES.rglob("*.y*ml"))
DIRECTORIES = sorted({path.parent for path in MANIFESTS})


def test_examples_exist() -> None:
    assert {d.name for d in DIRECTORIES} >= {"starter", "split"}


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
    assert len(loaded.files) == 5


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
