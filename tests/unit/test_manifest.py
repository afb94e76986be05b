"""manifest.read: files and directories, file:line, interpolation, merging."""

from __future__ import annotations

from pathlib import Path

import pytest

from twilio_iac.errors import ManifestSyntaxError
from twilio_iac.manifest import Located, expand, read

FIXTURES = Path(__file__).parent.parent / "fixtures" / "manifests"


@pytest.fixture(autouse=True)
def _in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_directory_loads_yaml_and_yml_files_sorted_by_name() -> None:
    assert expand(["ordered"]) == [
        "ordered/a-apps.yaml",
        "ordered/b-numbers.yml",
        "ordered/c-empty.yaml",
    ]


def test_files_keep_the_spelling_the_user_gave() -> None:
    manifest = read(["./bad-url.yaml", "ordered"], env={})
    assert manifest.files[0] == "./bad-url.yaml"
    assert manifest.files[1] == "ordered/a-apps.yaml"


def test_entries_are_merged_in_file_order_with_their_locations() -> None:
    manifest = read(["ordered"], env={})
    assert [(e.path, e.location) for e in manifest.entries] == [
        ("applications[0]", "ordered/a-apps.yaml:4"),
        ("phone_numbers[0]", "ordered/b-numbers.yml:2"),
    ]
    assert manifest.account_sid == "AC" + "5a4db0c0" * 4
    assert manifest.prune == frozenset({"queues"})
    assert manifest.problems == ()


def test_located_mappings_know_their_lines() -> None:
    manifest = read(["unknown-field.yaml"], env={})
    entry = manifest.entries[0].data
    assert isinstance(entry, Located)
    assert entry.line() == 2
    assert entry.line("voice_ulr") == 4


def test_empty_file_declares_nothing() -> None:
    manifest = read(["ordered/c-empty.yaml"], env={})
    assert manifest.entries == ()
    assert manifest.problems == ()


def test_yaml_syntax_error_names_file_and_line() -> None:
    with pytest.raises(ManifestSyntaxError) as caught:
        read(["syntax-error.yaml"], env={})
    (reason,) = caught.value.reasons
    assert reason.startswith("syntax-error.yaml:4 invalid YAML: ")
    assert "flow sequence at line 3" in reason


def test_unreadable_file_is_reported() -> None:
    with pytest.raises(ManifestSyntaxError) as caught:
        read(["no-such-file.yaml"], env={})
    assert caught.value.reasons[0].startswith("no-such-file.yaml: ")


def test_duplicate_key_is_a_problem_at_its_line() -> None:
    manifest = read(["duplicate-key.yaml"], env={})
    assert [str(p) for p in manifest.problems] == [
        "duplicate-key.yaml:4 queues[0].max_size: duplicate key in mapping"
    ]


def test_duplicate_identity_across_files_names_both_locations() -> None:
    manifest = read(["duplicate-identity"], env={})
    assert [str(p) for p in manifest.problems] == [
        "duplicate-identity/b.yaml:4 queues[1].friendly_name: queue support is "
        "already declared at duplicate-identity/a.yaml:2"
    ]


def test_duplicate_sid_pin_is_a_problem(tmp_path: Path) -> None:
    sid = "QU" + "0" * 32
    text = f"queues:\n  - friendly_name: a\n    sid: {sid}\n"
    text += f"  - friendly_name: b\n    sid: {sid}\n"
    path = _write(tmp_path, "q.yaml", text)
    (problem,) = read([path], env={}).problems
    assert str(problem) == (
        f"{path}:5 queues[1].sid: queue pin sid {sid} is already declared at {path}:2"
    )


def test_account_sids_must_agree(tmp_path: Path) -> None:
    one, two = "AC" + "1" * 32, "AC" + "2" * 32
    first = _write(tmp_path, "a.yaml", f"account_sid: {one}\n")
    second = _write(tmp_path, "b.yaml", f"queues: []\naccount_sid: {two}\n")
    manifest = read([first, second], env={})
    assert manifest.account_sid == one
    assert [str(p) for p in manifest.problems] == [
        f"{second}:2 account_sid: {two} disagrees with {one} declared at {first}:1"
    ]


def test_prune_is_the_union_across_files(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.yaml", "prune: [queues]\n")
    second = _write(tmp_path, "b.yaml", "prune: [addresses, queues]\n")
    assert read([first, second], env={}).prune == {"queues", "addresses"}


def test_interpolation_with_defaults_and_escapes() -> None:
    env = {"WEBHOOK_HOST": "hooks.example.com", "SMS_HOST": ""}
    entry = read(["interpolation.yaml"], env=env).entries[0].data
    assert entry["friendly_name"] == "ivr-main"
    assert entry["voice_url"] == "https://hooks.example.com/voice"
    # Like the shell's `:-`, an empty variable takes the default too.
    assert entry["sms_url"] == "https://sms.example.com/sms"
    assert (
        entry["status_callback"] == "https://example.com/status?template=${not_a_var}"
    )


def test_set_variable_overrides_the_default() -> None:
    env = {"WEBHOOK_HOST": "h.example.com", "APP_NAME": "ivr-eu"}
    entry = read(["interpolation.yaml"], env=env).entries[0].data
    assert entry["friendly_name"] == "ivr-eu"


def test_unset_variable_without_default_names_it() -> None:
    manifest = read(["unset-env.yaml"], env={})
    assert [str(p) for p in manifest.problems] == [
        "unset-env.yaml:3 applications[0].voice_url: environment variable "
        "WEBHOOK_HOST is not set and has no default"
    ]


def test_interpolation_reaches_lists(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.yaml", "prune:\n  - ${KIND}\n")
    assert read([path], env={"KIND": "queues"}).prune == {"queues"}


@pytest.mark.parametrize("value", ["${}", "${1X}", "${OPEN"])
def test_malformed_variable_is_a_problem(tmp_path: Path, value: str) -> None:
    path = _write(tmp_path, "m.yaml", f"queues:\n  - friendly_name: '{value}'\n")
    (problem,) = read([path], env={}).problems
    assert str(problem).startswith(f"{path}:2 queues[0].friendly_name: malformed")
