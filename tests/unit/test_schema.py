"""schema: committed JSON Schema files, and every problem located in plain words."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from jsonschema import Draft202012Validator

from twilio_iac.errors import (
    ManifestError,
    ManifestSyntaxError,
    SchemaError,
    UnresolvedReference,
)
from twilio_iac.manifests import desired, schema
from twilio_iac.resources import REGISTRY

ROOT = Path(__file__).parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "manifests"
# What prune takes: kinds, and the children Twilio creates, by kind.part.
PRUNABLE = sorted(
    [
        *REGISTRY,
        "taskrouter_workspaces.activities",
        "taskrouter_workspaces.task_channels",
    ]
)


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_schema", ROOT / "scripts" / "gen_schema.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)


def _reasons(*paths: str, error: type[ManifestError] = SchemaError) -> list[str]:
    with pytest.raises(error) as caught:
        desired.load(list(paths), env={})
    assert type(caught.value) is error
    return caught.value.reasons


def test_committed_schemas_equal_freshly_generated_output() -> None:
    gen = _generator()
    built = gen.build()
    committed = {p.name for p in (ROOT / "schemas").glob("*.json")}
    assert set(built) <= committed, "run scripts/gen_schema.py"
    for name, contents in built.items():
        text = (ROOT / "schemas" / name).read_text(encoding="utf-8")
        assert text == gen.render(contents), (
            f"{name} is stale: run scripts/gen_schema.py"
        )


def test_schemas_are_valid_draft_2020_12_with_refs_per_kind() -> None:
    manifest = json.loads(schema.schema_path().read_text(encoding="utf-8"))
    assert manifest["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert manifest["additionalProperties"] is False
    for path in schema.schema_dir().glob("*.schema.json"):
        Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))
    ref = manifest["properties"]["phone_numbers"]["items"]["allOf"][0]["$ref"]
    assert ref == "phone_numbers.schema.json"


def test_kind_schema_carries_descriptions_for_hover_docs() -> None:
    numbers = json.loads((schema.schema_dir() / "addresses.schema.json").read_text())
    iso = numbers["properties"]["iso_country"]
    assert iso["description"].startswith("ISO 3166-1 alpha-2 country code")
    assert numbers["additionalProperties"] is False
    # Required lives with the manifest's list, so overrides can reuse the schema.
    assert "required" not in numbers
    manifest = json.loads(schema.schema_path().read_text(encoding="utf-8"))
    items = manifest["properties"]["addresses"]["items"]
    assert items == {
        "allOf": [{"$ref": "addresses.schema.json"}],
        "required": ["friendly_name"],
    }


def test_unknown_field_suggests_the_closest_name() -> None:
    assert _reasons("unknown-field.yaml") == [
        "unknown-field.yaml:4 phone_numbers[0].voice_ulr: unknown field; "
        "did you mean voice_url?"
    ]


def test_bad_url() -> None:
    assert _reasons("bad-url.yaml") == [
        "bad-url.yaml:4 applications[0].sms_url: must be an absolute http(s) URL "
        'like https://example.com/voice (got "example.com/sms")'
    ]


def test_bad_e164_number() -> None:
    assert _reasons("bad-e164.yaml") == [
        "bad-e164.yaml:3 phone_numbers[1].phone_number: must be an E.164 number "
        'like +14155550100 (got "(415) 555-0101")'
    ]


def test_bad_enum_suggests_the_right_case() -> None:
    assert _reasons("bad-enum.yaml") == [
        "bad-enum.yaml:3 phone_numbers[0].emergency_status: must be one of Active, "
        'Inactive (got "active"); did you mean Active?'
    ]


def test_bad_method() -> None:
    assert _reasons("bad-method.yaml") == [
        "bad-method.yaml:4 applications[0].voice_method: must be GET or POST "
        '(got "PUT")'
    ]


def test_integers_out_of_range() -> None:
    assert _reasons("out-of-range.yaml") == [
        "out-of-range.yaml:3 queues[0].max_size: must be at least 1 (got 0)",
        "out-of-range.yaml:5 queues[1].max_size: must be at most 5000 (got 5001)",
    ]


def test_null_only_where_the_field_is_nullable() -> None:
    assert _reasons("null-non-nullable.yaml") == [
        "null-non-nullable.yaml:3 queues[0].max_size: cannot be null (Twilio cannot "
        "clear it); leave it out to leave it as is",
        "null-non-nullable.yaml:5 phone_numbers[0].phone_number: cannot be null: "
        "phone_number identifies the phone number",
    ]


def test_duplicate_identity_across_two_files() -> None:
    assert _reasons("duplicate-identity") == [
        "duplicate-identity/b.yaml:4 queues[1].friendly_name: queue support is "
        "already declared at duplicate-identity/a.yaml:2"
    ]


def test_unresolved_reference_alone_raises_unresolved_reference() -> None:
    reasons = _reasons("unresolved-reference.yaml", error=UnresolvedReference)
    assert reasons == [
        "unresolved-reference.yaml:7 phone_numbers[0].voice_application: no "
        "application named 'ivr-mian' is declared in the manifests; "
        "did you mean ivr-main?"
    ]


def test_alias_and_raw_sid_both_given() -> None:
    assert _reasons("alias-and-sid.yaml") == [
        "alias-and-sid.yaml:5 phone_numbers[0].voice_application: give either "
        "voice_application or voice_application_sid, not both"
    ]


def test_unset_env_var_is_reported_once() -> None:
    assert _reasons("unset-env.yaml") == [
        "unset-env.yaml:3 applications[0].voice_url: environment variable "
        "WEBHOOK_HOST is not set and has no default"
    ]


def test_yaml_syntax_error() -> None:
    (reason,) = _reasons("syntax-error.yaml", error=ManifestSyntaxError)
    assert reason.startswith("syntax-error.yaml:4 invalid YAML")


def test_duplicate_key() -> None:
    assert _reasons("duplicate-key.yaml") == [
        "duplicate-key.yaml:4 queues[0].max_size: duplicate key in mapping"
    ]


def test_voice_application_with_trunk_would_flap() -> None:
    assert _reasons("voice-app-and-trunk.yaml") == [
        "voice-app-and-trunk.yaml:6 phone_numbers[0].trunk_sid: conflicts with "
        "voice_application: Twilio clears one when the other is set, so every "
        "apply would flap; keep only one of them"
    ]


def test_sms_url_next_to_sms_application_is_refused_naming_both() -> None:
    with pytest.raises(SchemaError) as caught:
        desired.load(["sms-app-and-url.yaml"], env={})
    assert caught.value.reasons == [
        "sms-app-and-url.yaml:6 phone_numbers[0].sms_url: Twilio ignores sms_url "
        "while sms_application is set (messages use the application's URLs), so it "
        "would never take effect; remove it, or if you keep it on purpose (say, to "
        "switch back later) list it in this entry's allow_ignored: [sms_url]"
    ]


def test_every_problem_is_reported_at_once_in_file_order() -> None:
    # The unresolved reference rides along in the SchemaError.
    assert _reasons("many-errors.yaml", "duplicate-key.yaml") == [
        "many-errors.yaml:3 phone_numbers[0].voice_ulr: unknown field; "
        "did you mean voice_url?",
        "many-errors.yaml:4 phone_numbers[0].voice_method: must be GET or POST "
        '(got "put")',
        "many-errors.yaml:5 phone_numbers[0].voice_application: no application "
        "named 'nowhere' is declared in the manifests; no applications are declared",
        "many-errors.yaml:8 queues[0].max_size: must be at most 5000 (got 9000)",
        "many-errors.yaml:12 verify_services[0].push.include_dat: unknown field; "
        "did you mean include_date?",
        "duplicate-key.yaml:2 queues[0].friendly_name: queue support is already "
        "declared at many-errors.yaml:7 in an earlier layer; to change its fields "
        "from this layer, list it under overrides: instead",
        "duplicate-key.yaml:4 queues[0].max_size: duplicate key in mapping",
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "phone_numbrs: []\n",
            "x.yaml:1 phone_numbrs: unknown field; did you mean phone_numbers?",
        ),
        ("- a\n", "x.yaml:1 (top level): expected a mapping, got a list"),
        (
            "account_sid: AC12\n",
            "x.yaml:1 account_sid: must be an account SID: AC "
            'followed by 32 hex digits (got "AC12")',
        ),
        (
            "prune: [queue]\n",
            f"x.yaml:1 prune[0]: must be one of {', '.join(PRUNABLE)} "
            '(got "queue"); did you mean queues?',
        ),
        (
            "queues:\n  - max_size: 5\n",
            "x.yaml:2 queues[0]: missing friendly_name, which identifies the queue",
        ),
        (
            "queues:\n  - friendly_name: 42\n",
            "x.yaml:2 queues[0].friendly_name: "
            "expected text, got 42; quote it to make it text",
        ),
        (
            "queues:\n  - friendly_name: q\n    purchase: true\n",
            "x.yaml:3 "
            "queues[0].purchase: unknown field; purchase applies to phone_numbers only",
        ),
        (
            "queues:\n  - friendly_name: q\n    sid: PN123\n",
            "x.yaml:3 queues[0].sid: "
            'must be a queue SID: QU followed by 32 hex digits (got "PN123")',
        ),
        (
            "verify_services:\n  - friendly_name: " + "v" * 33 + "\n",
            "x.yaml:2 verify_services[0].friendly_name: is 33 characters long; at most "
            "32 are allowed",
        ),
        (
            "verify_services:\n  - friendly_name: v\n    push: {include_date: no}\n",
            "x.yaml:3 verify_services[0].push.include_date: expected true or false "
            '(or null), got "no"; YAML 1.2 reads yes/no/on/off as text, so write '
            "true or false",
        ),
    ],
)
def test_plain_word_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, reason: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    assert _reasons("x.yaml") == [reason]


def test_absolute_paths_stay_absolute() -> None:
    path = str(FIXTURES / "bad-url.yaml")
    assert _reasons(path)[0].startswith(f"{path}:4 ")


def test_schema_path_falls_back_to_the_repository_in_a_checkout() -> None:
    assert schema.schema_path() == ROOT / "schemas" / "manifest.schema.json"


def test_generator_check_mode_detects_stale_files(tmp_path: Path) -> None:
    gen = _generator()
    assert gen.main(["--out", str(tmp_path)]) == 0
    assert gen.main(["--out", str(tmp_path), "--check"]) == 0
    (tmp_path / "queues.schema.json").write_text("{}\n", encoding="utf-8")
    assert gen.main(["--out", str(tmp_path), "--check"]) == 1


def _layers(tmp_path: Path, *texts: str) -> list[str]:
    paths = []
    for index, text in enumerate(texts):
        path = tmp_path / f"{index}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path.name)  # the tests chdir to tmp_path
    return paths


def test_manifest_schema_describes_overrides_and_ignore() -> None:
    manifest = json.loads(schema.schema_path().read_text(encoding="utf-8"))
    overrides = manifest["properties"]["overrides"]
    assert overrides["additionalProperties"] is False
    assert overrides["properties"]["queues"]["items"] == {
        "allOf": [{"$ref": "queues.schema.json"}],
        "anyOf": [{"required": ["friendly_name"]}, {"required": ["sid"]}],
    }
    ignore = manifest["properties"]["ignore"]["properties"]["phone_numbers"]
    assert ignore["items"] == {"type": "string", "minLength": 1}


def test_override_values_are_validated_where_they_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    base = "applications:\n  - friendly_name: a\nqueues:\n  - friendly_name: q\n"
    prod = (
        "overrides:\n"
        "  applications:\n"
        "    - friendly_name: a\n"
        "      voice_url: example.com/v\n"
        "      voice_ulr: https://example.com\n"
        "    - voice_method: GET\n"
        "  queues:\n"
        "    - friendly_name: q\n"
        "      max_size: null\n"
        "    - friendly_name: null\n"
        "  queus: []\n"
    )
    assert _reasons(*_layers(tmp_path, base, prod)) == [
        "1.yaml:4 overrides.applications[0].voice_url: must be an absolute http(s) "
        'URL like https://example.com/voice (got "example.com/v")',
        "1.yaml:5 overrides.applications[0].voice_ulr: unknown field; "
        "did you mean voice_url?",
        "1.yaml:6 overrides.applications[1]: missing friendly_name (or sid), which "
        "names the application to override",
        "1.yaml:9 overrides.queues[0].max_size: cannot be null (Twilio cannot clear "
        "it); leave it out to leave it as is",
        "1.yaml:10 overrides.queues[1].friendly_name: cannot be null: friendly_name "
        "identifies the queue",
        "1.yaml:11 overrides.queus: unknown field; did you mean queues?",
    ]


def test_rules_across_fields_see_the_merged_entry_and_blame_the_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    base = (
        "applications:\n  - friendly_name: ivr\n"
        "phone_numbers:\n  - phone_number: '+14155550100'\n"
        "    voice_application: ivr\n"
    )
    prod = (
        "overrides:\n  phone_numbers:\n    - phone_number: '+14155550100'\n"
        "      trunk_sid: TK00000000000000000000000000000001\n"
        "      sms_application: nope\n"
    )
    assert _reasons(*_layers(tmp_path, base, prod)) == [
        "1.yaml:4 overrides.phone_numbers[0].trunk_sid: conflicts with "
        "voice_application: Twilio clears one when the other is set, so every "
        "apply would flap; keep only one of them",
        "1.yaml:5 overrides.phone_numbers[0].sms_application: no application "
        "named 'nope' is declared in the manifests",
    ]


def test_a_reference_added_by_an_override_must_resolve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    base = "applications:\n  - friendly_name: ivr\n"
    prod = "overrides:\n  applications:\n    - friendly_name: ivr\n"
    prod += "phone_numbers:\n  - phone_number: '+14155550100'\n"
    prod += "    voice_application: ivx\n"
    assert _reasons(*_layers(tmp_path, base, prod), error=UnresolvedReference) == [
        "1.yaml:6 phone_numbers[0].voice_application: no application named 'ivx' "
        "is declared in the manifests; did you mean ivr?"
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "ignore:\n  application: ['x']\n",
            "x.yaml:2 ignore.application: unknown field; did you mean applications?",
        ),
        (
            "ignore:\n  queues: [7]\n",
            "x.yaml:2 ignore.queues[0]: expected text, got 7; quote it to make it text",
        ),
        (
            "ignore:\n  queues: ['']\n",
            "x.yaml:2 ignore.queues[0]: cannot be empty",
        ),
        (
            "ignore: [queues]\n",
            "x.yaml:1 ignore: expected a mapping (or null), got a list",
        ),
    ],
)
def test_ignore_section_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, reason: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    assert _reasons("x.yaml") == [reason]


def test_ignored_but_declared_and_conflicting_accounts_fail_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    one, two = "AC" + "1" * 32, "AC" + "2" * 32
    base = f"account_sid: {one}\nqueues:\n  - friendly_name: Legacy q\n"
    prod = f"account_sid: {two}\nignore:\n  queues: ['Legacy*']\n"
    assert _reasons(*_layers(tmp_path, base, prod)) == [
        "0.yaml:3 queues[0].friendly_name: queue Legacy q is declared, but ignore "
        "rule 'Legacy*' (ignore.queues at 1.yaml:3) matches it too; ignored "
        "objects are never managed, so remove the declaration or narrow the rule",
        f"1.yaml:1 account_sid: {two} disagrees with {one} declared at 0.yaml:1",
    ]


def test_an_entry_without_identity_still_gets_the_rules_across_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = "applications:\n  - friendly_name: a\nphone_numbers:\n"
    text += "  - voice_application: a\n"
    text += "    voice_application_sid: AP00000000000000000000000000000000\n"
    assert _reasons(*_layers(tmp_path, text)) == [
        "0.yaml:4 phone_numbers[0]: missing phone_number, which identifies the "
        "phone number",
        "0.yaml:4 phone_numbers[0].voice_application: give either "
        "voice_application or voice_application_sid, not both",
    ]


NUMBER = "applications:\n  - friendly_name: app\nphone_numbers:\n"
NUMBER += '  - phone_number: "+14155550100"\n'


def _load(tmp_path: Path, text: str, *more: str) -> desired.Desired:
    paths = [tmp_path / "0.yaml"]
    paths[0].write_text(text)
    for index, layer in enumerate(more, 1):
        paths.append(tmp_path / f"{index}.yaml")
        paths[-1].write_text(layer)
    return desired.load(paths, env={})


@pytest.mark.parametrize(
    ("winner", "ignored"),
    [
        ("voice_application: app", "voice_url: https://example.com/v"),
        ("voice_application: app", "voice_method: GET"),
        ("voice_application: app", "voice_fallback_url: https://example.com/f"),
        ("voice_application: app", "voice_fallback_method: GET"),
        ("voice_application: app", "status_callback: https://example.com/s"),
        ("voice_application: app", "status_callback_method: GET"),
        ("voice_application_sid: AP" + "0" * 32, "voice_url: https://example.com/v"),
        ("sms_application: app", "sms_url: https://example.com/s"),
        ("sms_application: app", "sms_method: GET"),
        ("sms_application: app", "sms_fallback_url: https://example.com/f"),
        ("sms_application: app", "sms_fallback_method: GET"),
        ("trunk_sid: TK" + "0" * 32, "voice_url: https://example.com/v"),
        ("trunk_sid: TK" + "0" * 32, "status_callback_method: POST"),
    ],
)
def test_a_setting_twilio_ignores_is_refused_and_can_be_kept(
    tmp_path, winner, ignored
) -> None:
    text = NUMBER + f"    {winner}\n    {ignored}\n"
    field = ignored.split(":")[0]
    with pytest.raises(SchemaError) as caught:
        _load(tmp_path, text)
    [reason] = caught.value.reasons
    assert reason.startswith(f"{tmp_path / '0.yaml'}:6 phone_numbers[0].{field}: ")
    assert f"Twilio ignores {field} while {winner.split(':')[0]} is set" in reason
    assert f"allow_ignored: [{field}]" in reason
    kept = _load(tmp_path, text + f"    allow_ignored: [{field}]\n")
    [number] = [r for r in kept.resources.values() if r.kind == "phone_numbers"]
    assert field in number.fields and "allow_ignored" not in number.fields


def test_null_clears_and_is_not_an_ignored_setting(tmp_path) -> None:
    _load(tmp_path, NUMBER + "    voice_application: app\n    voice_url: null\n")


def test_trunk_and_voice_application_cannot_be_kept_together(tmp_path) -> None:
    text = NUMBER + "    voice_application: app\n    trunk_sid: TK" + "0" * 32 + "\n"
    text += "    allow_ignored: [voice_url]\n"
    with pytest.raises(
        SchemaError, match="trunk_sid: conflicts with voice_application"
    ):
        _load(tmp_path, text)


def test_a_later_layer_that_adds_the_winner_is_blamed(tmp_path) -> None:
    base = NUMBER + "    sms_url: https://example.com/s\n"
    layer = 'overrides:\n  phone_numbers:\n    - phone_number: "+14155550100"\n'
    layer += "      sms_application: app\n"
    with pytest.raises(SchemaError) as caught:
        _load(tmp_path, base, layer)
    [reason] = caught.value.reasons
    assert "0.yaml:5 phone_numbers[0].sms_url: Twilio ignores sms_url while " in reason


def test_only_settings_that_can_be_ignored_may_be_allowed() -> None:
    schema_file = json.loads(
        (ROOT / "schemas" / "phone_numbers.schema.json").read_text()
    )
    allowed = schema_file["properties"]["allow_ignored"]["items"]["enum"]
    assert "voice_url" in allowed and "sms_url" in allowed
    assert "trunk_sid" not in allowed and "voice_application_sid" not in allowed


def test_a_field_with_choices_must_enforce_them() -> None:
    from twilio_iac.resources.base import Field

    with pytest.raises(ValueError, match="choices need type 'enum'"):
        Field("api_version", enum=("2010-04-01",))
