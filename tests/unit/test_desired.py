"""desired.load: Resources with flat, normalized fields holding only what is set."""

from __future__ import annotations

from pathlib import Path

import pytest

from twilio_iac.desired import Desired, load
from twilio_iac.model import Key, Ref

FIXTURES = Path(__file__).parent.parent / "fixtures" / "manifests"


@pytest.fixture(autouse=True)
def _in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)


def test_nested_verify_fields_are_flattened_to_dotted_names() -> None:
    service = load(["nested-verify.yaml"], env={}).resources[
        Key("verify_services", "Login")
    ]
    assert service.fields == {
        "friendly_name": "Login",
        "code_length": 8,
        "push.include_date": True,
        "push.apn_credential_sid": "CR0123456789abcdef0123456789abcdef",
        "passkeys.relying_party.id": "example.com",
        "passkeys.relying_party.origins": "https://example.com,https://www.example.com",
    }


def test_normalization_and_references() -> None:
    resources = load(["normalize.yaml"], env={}).resources
    app = resources[Key("applications", "ivr-main")]
    assert app.fields == {
        "friendly_name": "ivr-main",
        "voice_url": "https://example.com/voice",
        "voice_method": "GET",  # any case is accepted, upper case is stored
        "sms_method": "POST",  # null means Twilio's default
        "voice_caller_id_lookup": False,
    }
    assert app.sid == "AP0123456789abcdef0123456789abcdef"
    assert app.location == "normalize.yaml:2"
    assert app.purchase is False

    number = resources[Key("phone_numbers", "+14155550100")]
    assert number.fields == {
        "phone_number": "+14155550100",
        "voice_application_sid": Ref("applications", "ivr-main"),
        "sms_application_sid": "AP00000000000000000000000000000000",
        "address_sid": None,
        "friendly_name": None,
    }
    assert number.purchase is True
    assert number.sid is None
    assert number.location == "normalize.yaml:9"


def test_desired_carries_files_prune_account_and_warnings() -> None:
    loaded = load(["ordered"], env={})
    assert isinstance(loaded, Desired)
    assert loaded.files == (
        "ordered/a-apps.yaml",
        "ordered/b-numbers.yml",
        "ordered/c-empty.yaml",
    )
    assert loaded.account_sid == "AC" + "5a4db0c0" * 4
    assert loaded.prune == frozenset({"queues"})
    assert loaded.warnings == ()
    assert list(loaded.resources) == [
        Key("applications", "ivr-main"),
        Key("phone_numbers", "+14155550100"),
    ]
    number = loaded.resources[Key("phone_numbers", "+14155550100")]
    assert number.fields["voice_application_sid"] == Ref("applications", "ivr-main")


def test_a_resource_may_be_declared_by_name_only() -> None:
    loaded = load(["ordered/a-apps.yaml"], env={})
    app = loaded.resources[Key("applications", "ivr-main")]
    assert app.fields == {"friendly_name": "ivr-main"}


def test_env_defaults_to_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEBHOOK_HOST", "env.example.com")
    monkeypatch.delenv("APP_NAME", raising=False)
    app = load(["interpolation.yaml"]).resources[Key("applications", "ivr-main")]
    assert app.fields["voice_url"] == "https://env.example.com/voice"
