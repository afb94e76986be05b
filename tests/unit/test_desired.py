"""desired.load: Resources with flat, normalized fields holding only what is set."""

from __future__ import annotations

from pathlib import Path

import pytest

from twilio_iac.manifests.desired import Desired, load
from twilio_iac.model import Key, Ref, Resource

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


def test_overrides_merge_field_by_field_onto_the_base_declaration() -> None:
    resources = load(["layers/base", "layers/prod"], env={}).resources
    app = resources[Key("applications", "ivr-main")]
    assert app.fields == {
        "friendly_name": "ivr-main",
        "voice_url": "https://prod.example.com/voice",
        "voice_method": "POST",  # not overridden: kept from base
        "sms_url": None,  # null in an override clears, as anywhere
    }
    assert app.location == "layers/base/apps.yaml:2"


def test_an_override_by_sid_replaces_either_spelling_of_a_reference() -> None:
    resources = load(["layers/base", "layers/prod"], env={}).resources
    number = resources[Key("phone_numbers", "+14155550101")]
    assert number.fields == {
        "phone_number": "+14155550101",
        "friendly_name": "Sales",
        "voice_application_sid": Ref("applications", "ivr-eu"),
    }
    assert number.sid == "PN0123456789abcdef0123456789abcdef"
    assert number.location == "layers/base/numbers.yaml:2"


def test_raw_sid_override_replaces_a_reference_by_name(tmp_path: Path) -> None:
    sid = "AP" + "1" * 32
    base = tmp_path / "base.yaml"
    base.write_text(
        "applications:\n  - friendly_name: a\nphone_numbers:\n"
        "  - phone_number: '+14155550100'\n    voice_application: a\n",
        encoding="utf-8",
    )
    prod = tmp_path / "prod.yaml"
    prod.write_text(
        "overrides:\n  phone_numbers:\n    - phone_number: '+14155550100'\n"
        f"      voice_application_sid: {sid}\n",
        encoding="utf-8",
    )
    number = load([base, prod], env={}).resources[Key("phone_numbers", "+14155550100")]
    assert number.fields["voice_application_sid"] == sid


def test_nested_verify_fields_merge_per_dotted_field() -> None:
    resources = load(["layers/base", "layers/prod"], env={}).resources
    service = resources[Key("verify_services", "Login")]
    assert service.fields == {
        "friendly_name": "Login",
        "code_length": 6,
        "push.include_date": False,
        "push.apn_credential_sid": "CR0123456789abcdef0123456789abcdef",
    }


def test_a_later_layer_may_declare_new_resources() -> None:
    loaded = load(["layers/base", "layers/prod"], env={})
    queue = loaded.resources[Key("queues", "prod-only")]
    assert queue.location == "layers/prod/overrides.yaml:15"
    assert loaded.prune == frozenset({"queues"})
    assert loaded.account_sid == "AC" + "5a4db0c0" * 4
    assert loaded.layers == (
        ("layers/base/apps.yaml", "layers/base/numbers.yaml"),
        ("layers/prod/more.yaml", "layers/prod/overrides.yaml"),
    )


def test_interpolation_works_in_every_layer() -> None:
    env = {"HOST": "h.example.com"}
    resources = load(["layers/base", "layers/prod"], env=env).resources
    app = resources[Key("applications", "ivr-main")]
    assert app.fields["voice_url"] == "https://h.example.com/voice"
    alone = load(["layers/base"], env=env).resources
    assert alone[Key("applications", "ivr-main")].fields["voice_url"] == (
        "https://h.example.com/voice"
    )


def test_the_base_layer_alone_is_unchanged_by_overrides_elsewhere() -> None:
    resources = load(["layers/base"], env={}).resources
    app = resources[Key("applications", "ivr-main")]
    assert app.fields["voice_url"] == "https://staging.example.com/voice"
    assert app.fields["sms_url"] == "https://staging.example.com/sms"


def test_ignore_patterns_are_a_deduplicated_union_per_kind() -> None:
    loaded = load(["layers/base", "layers/prod"], env={})
    assert loaded.ignore == {
        "applications": ("Legacy *", "Old ?"),
        "phone_numbers": ("+1800*",),
    }


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("applications", "Legacy IVR", True),
        ("applications", "legacy IVR", False),  # case-sensitive
        ("applications", "Old 1", True),
        ("applications", "Old 12", False),
        ("applications", "ivr-main", False),
        ("phone_numbers", "+18005550199", True),
        ("queues", "Legacy IVR", False),  # rules are per kind
    ],
)
def test_ignored_matches_globs_on_identity(
    kind: str, name: str, expected: bool
) -> None:
    loaded = load(["layers/base", "layers/prod"], env={})
    assert loaded.ignored(kind, name) is expected


def test_desired_still_builds_positionally_with_nothing_ignored() -> None:
    resource = Resource("queues", "q")
    desired = Desired({resource.key: resource}, None, frozenset(), (), ())
    assert desired.ignore == {}
    assert desired.layers == ()
    assert desired.ignored("queues", "q") is False
