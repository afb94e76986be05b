"""manifest.read: files and directories, file:line, interpolation, merging."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from twilio_iac.errors import ManifestError, ManifestSyntaxError
from twilio_iac.manifests.located import load
from twilio_iac.manifests.reader import Located, expand, read

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


def test_an_empty_file_next_to_others_declares_nothing() -> None:
    manifest = read(["ordered/c-empty.yaml", "ordered/a-apps.yaml"], env={})
    assert [e.path for e in manifest.entries] == ["applications[0]"]
    assert manifest.problems == ()


def test_only_empty_files_are_an_error_not_no_changes() -> None:
    with pytest.raises(ManifestError, match="The manifests are empty") as caught:
        read(["ordered/c-empty.yaml"], env={})
    assert caught.value.reasons[0].startswith("ordered/c-empty.yaml:1 no YAML document")


def test_yaml_syntax_error_names_file_and_line() -> None:
    with pytest.raises(ManifestSyntaxError) as caught:
        read(["syntax-error.yaml"], env={})
    (reason,) = caught.value.reasons
    assert reason.startswith("syntax-error.yaml:4 invalid YAML: ")
    assert "flow sequence at line 3" in reason


def test_unreadable_file_is_reported() -> None:
    with pytest.raises(ManifestError) as caught:
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


# Layers: each PATH is a layer; later layers change earlier ones via overrides:.


def _problems(*paths: str) -> list[str]:
    return [str(p) for p in read(list(paths), env={}).problems]


def test_each_path_is_a_layer_and_a_directory_is_one_layer() -> None:
    manifest = read(["layers/base", "layers/prod"], env={})
    assert manifest.layers == (
        ("layers/base/apps.yaml", "layers/base/numbers.yaml"),
        ("layers/prod/more.yaml", "layers/prod/overrides.yaml"),
    )
    assert [d.layer for d in manifest.documents] == [0, 0, 1, 1]
    assert manifest.problems == ()
    assert [o.path for o in manifest.overrides] == [
        "overrides.applications[0]",
        "overrides.phone_numbers[0]",
        "overrides.verify_services[0]",
    ]


def test_merged_entry_keeps_the_base_location_and_points_keys_at_their_writer() -> None:
    manifest = read(["layers/base", "layers/prod"], env={})
    app = next(e for e in manifest.entries if e.data["friendly_name"] == "ivr-main")
    assert app.location == "layers/base/apps.yaml:2"
    assert str(app.reason("voice_url", "x")) == (
        "layers/prod/overrides.yaml:5 overrides.applications[0].voice_url: x"
    )
    assert str(app.reason("voice_method", "y")) == (
        "layers/base/apps.yaml:4 applications[0].voice_method: y"
    )
    # The base declaration itself is untouched: schema.check still validates it.
    base = manifest.documents[0].data["applications"][0]
    assert base["sms_url"] == "https://staging.example.com/sms"


def test_redeclaration_in_a_later_layer_names_both_and_suggests_overrides(
    tmp_path: Path,
) -> None:
    base = _write(tmp_path, "base.yaml", "queues:\n  - friendly_name: support\n")
    prod = _write(
        tmp_path, "prod.yaml", "queues:\n  - friendly_name: support\n    max_size: 9\n"
    )
    assert _problems(base, prod) == [
        f"{prod}:2 queues[0].friendly_name: queue support is already declared at "
        f"{base}:2 in an earlier layer; to change its fields from this layer, "
        "list it under overrides: instead"
    ]


def test_override_of_an_undeclared_resource_suggests_the_closest_name(
    tmp_path: Path,
) -> None:
    base = _write(tmp_path, "base.yaml", "queues:\n  - friendly_name: support\n")
    prod = _write(
        tmp_path,
        "prod.yaml",
        "overrides:\n  queues:\n    - friendly_name: suport\n      max_size: 9\n"
        "    - friendly_name: billing\n",
    )
    assert _problems(base, prod) == [
        f"{prod}:3 overrides.queues[0].friendly_name: no queue suport is declared "
        "in an earlier layer to override; did you mean support?",
        f"{prod}:5 overrides.queues[1].friendly_name: no queue billing is declared "
        "in an earlier layer to override; to add it in this layer, declare it "
        "under queues: instead",
    ]


def test_override_by_an_unpinned_sid_is_a_problem(tmp_path: Path) -> None:
    sid = "QU" + "1" * 32
    base = _write(tmp_path, "base.yaml", "queues:\n  - friendly_name: support\n")
    prod = _write(tmp_path, "prod.yaml", f"overrides:\n  queues:\n    - sid: {sid}\n")
    assert _problems(base, prod) == [
        f"{prod}:3 overrides.queues[0].sid: no queue pinned to sid {sid} is "
        "declared in an earlier layer to override; name it by friendly_name instead"
    ]


def test_override_in_the_same_layer_as_the_declaration_is_a_problem(
    tmp_path: Path,
) -> None:
    text = "queues:\n  - friendly_name: support\n"
    text += "overrides:\n  queues:\n    - friendly_name: support\n      max_size: 9\n"
    path = _write(tmp_path, "one.yaml", text)
    assert _problems(path) == [
        f"{path}:5 overrides.queues[0].friendly_name: queue support is declared in "
        f"this same layer at {path}:2; overrides: only change resources of earlier "
        "layers, so edit that declaration instead"
    ]


def test_override_of_a_resource_declared_only_later_is_a_problem(
    tmp_path: Path,
) -> None:
    text = "overrides:\n  queues:\n    - friendly_name: support\n"
    first = _write(tmp_path, "a.yaml", text)
    second = _write(tmp_path, "b.yaml", "queues:\n  - friendly_name: support\n")
    assert _problems(first, second) == [
        f"{first}:3 overrides.queues[0].friendly_name: queue support is only "
        f"declared at {second}:2, in a later layer; overrides: only change "
        "resources of earlier layers"
    ]


def test_two_overrides_of_one_resource_in_one_layer(tmp_path: Path) -> None:
    base = _write(tmp_path, "base.yaml", "queues:\n  - friendly_name: support\n")
    layer = tmp_path / "prod"
    layer.mkdir()
    text = "overrides:\n  queues:\n    - friendly_name: support\n      max_size: {}\n"
    first = _write(layer, "a.yaml", text.format(5))
    second = _write(layer, "b.yaml", text.format(6))
    assert _problems(base, str(layer)) == [
        f"{second}:3 overrides.queues[0].friendly_name: queue support is already "
        f"overridden at {first}:3"
    ]


def test_overrides_of_successive_layers_apply_in_order(tmp_path: Path) -> None:
    base = _write(
        tmp_path, "0.yaml", "queues:\n  - friendly_name: q\n    max_size: 1\n"
    )
    text = "overrides:\n  queues:\n    - friendly_name: q\n      max_size: {}\n"
    one = _write(tmp_path, "1.yaml", text.format(2))
    two = _write(tmp_path, "2.yaml", text.format(3))
    manifest = read([base, one, two], env={})
    assert manifest.problems == ()
    (entry,) = manifest.entries
    assert entry.data["max_size"] == 3
    assert str(entry.reason("max_size", "m")).startswith(f"{two}:4 ")


def test_a_later_layer_may_set_the_account_sid(tmp_path: Path) -> None:
    sid = "AC" + "3" * 32
    base = _write(tmp_path, "base.yaml", "queues: []\n")
    prod = _write(tmp_path, "prod.yaml", f"account_sid: {sid}\n")
    manifest = read([base, prod], env={})
    assert (manifest.account_sid, manifest.problems) == (sid, ())


def test_account_sids_of_layers_must_agree(tmp_path: Path) -> None:
    one, two = "AC" + "1" * 32, "AC" + "2" * 32
    base = _write(tmp_path, "base.yaml", f"account_sid: {one}\n")
    prod = _write(tmp_path, "prod.yaml", f"account_sid: {two}\n")
    assert _problems(base, prod) == [
        f"{prod}:1 account_sid: {two} disagrees with {one} declared at {base}:1"
    ]


def test_ignore_rules_are_read_from_every_layer_with_their_location() -> None:
    manifest = read(["layers/base", "layers/prod"], env={})
    assert [(r.kind, r.pattern, r.where) for r in manifest.ignore] == [
        ("applications", "Legacy *", "layers/prod/more.yaml:3"),
        ("applications", "Legacy *", "layers/prod/overrides.yaml:17"),
        ("applications", "Old ?", "layers/prod/overrides.yaml:17"),
        ("phone_numbers", "+1800*", "layers/prod/overrides.yaml:18"),
    ]
    assert manifest.prune == {"queues"}


def test_declaring_an_ignored_object_names_the_entry_and_the_rule(
    tmp_path: Path,
) -> None:
    base = _write(
        tmp_path,
        "base.yaml",
        "applications:\n  - friendly_name: Legacy IVR\n  - friendly_name: legacy x\n",
    )
    prod = _write(tmp_path, "prod.yaml", "ignore:\n  applications: ['Legacy *']\n")
    # Globs are case-sensitive: "legacy x" is not ignored.
    assert _problems(base, prod) == [
        f"{base}:2 applications[0].friendly_name: application Legacy IVR is "
        f"declared, but ignore rule 'Legacy *' (ignore.applications at {prod}:2) "
        "matches it too; ignored objects are never managed, so remove the "
        "declaration or narrow the rule"
    ]


def test_ignore_rules_only_apply_to_their_own_kind(tmp_path: Path) -> None:
    text = "queues:\n  - friendly_name: Legacy q\nignore:\n  applications: ['*']\n"
    assert _problems(_write(tmp_path, "x.yaml", text)) == []


def test_overrides_in_the_first_layer_ask_for_the_layers_below(
    tmp_path: Path,
) -> None:
    text = "overrides:\n  queues:\n    - friendly_name: support\n"
    path = _write(tmp_path, "prod.yaml", text)
    assert _problems(path) == [
        f"{path}:3 overrides.queues[0].friendly_name: no queue support is declared "
        "in an earlier layer to override; this is the first layer: pass the "
        "layers it builds on before it"
    ]


@pytest.mark.parametrize(
    ("written", "read_as"),
    [
        # YAML 1.1 (PyYAML's default) would read each of these differently.
        ("yes", "yes"),
        ("No", "No"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("n", "n"),
        ("1:30", "1:30"),
        ("1_000", "1_000"),
        ("0b101", "0b101"),
        ("2024-01-01", "2024-01-01"),
        ("+1 415", "+1 415"),
        ("=", "="),
        # The YAML 1.2 core schema's own values.
        ("true", True),
        ("FALSE", False),
        ("~", None),
        ("Null", None),
        ("", None),
        ("12", 12),
        ("-7", -7),
        ("0", 0),
        ("0o17", 15),
        ("0x1F", 31),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("-.inf", float("-inf")),
    ],
)
def test_plain_scalars_resolve_by_the_yaml_1_2_core_schema(written, read_as) -> None:
    value = load(f"key: {written}\n")["key"]
    assert value == read_as and type(value) is type(read_as)


def test_keys_stay_text_and_merge_keys_still_merge() -> None:
    data = load("base: &b {on: 1, y: 2}\nnext:\n  <<: *b\n  y: 3\n")
    assert data["next"] == {"on": 1, "y": 3}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "queues:\n  - friendly_name: q\n    max_size: 0777\n",
            "x.yaml:3 queues[0].max_size: 0777 starts with a zero, which YAML 1.1 "
            "tools read as octal 511 and YAML 1.2 as 777; write 777, or quote it "
            '("0777") for text',
        ),
        (
            "queues:\n  - friendly_name: '08'\n    max_size: -09\n",
            "x.yaml:3 queues[0].max_size: -09 starts with a zero, which YAML 1.1 "
            "tools read as text and YAML 1.2 as -9; write -9, or quote it "
            '("-09") for text',
        ),
    ],
)
def test_leading_zero_numbers_are_refused(tmp_path: Path, text, message) -> None:
    _write(tmp_path, "x.yaml", text)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        assert [str(p) for p in read(["x.yaml"], env={}).problems] == [message]


def test_a_nine_level_alias_bomb_is_refused_without_expanding_it() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(yaml.YAMLError, match="expand this document to 4"):
        load("\n".join(lines))


def test_sharing_by_aliases_within_bounds_is_fine() -> None:
    text = "base: &b {x: 1, y: [1, 2, 3]}\nitems:\n" + "  - *b\n" * 2000
    assert len(load(text)["items"]) == 2000


@pytest.mark.parametrize(
    "text", ["a: &a [*a]\n", "a: &a {b: *a}\n", "a: &a [[[*a]]]\n"]
)
def test_alias_cycles_are_refused(text: str) -> None:
    with pytest.raises(yaml.YAMLError, match="a cycle"):
        load(text)


def _env(**values: str) -> dict[str, str]:
    return {"WEBHOOK": "https://example.com", **values}


TOKEN = "tok-credential-value-for-tests-1"


@pytest.mark.parametrize(
    "name",
    [
        "TWILIO_AUTH_TOKEN",
        "TWILIO_API_SECRET",
        "TWILIO_IAC_TARGET_API_SECRET",
        "MATON_API_KEY",
    ],
)
@pytest.mark.parametrize("default", ["", ":-x"])
def test_credential_variables_are_refused_set_or_not(tmp_path, name, default) -> None:
    path = _write(
        tmp_path,
        "x.yaml",
        f"applications:\n  - friendly_name: a\n    voice_url: https://e.example/?k=${{{name}{default}}}\n",
    )
    for env in ({}, {name: TOKEN}):
        [problem] = read([path], env=env).problems
        assert problem.path == "applications[0].voice_url" and problem.line == 3
        assert f"${{{name}}} reads a credential variable" in problem.message
        assert TOKEN not in str(problem)


@pytest.mark.parametrize("value", [TOKEN, f"https://e.example/?k={TOKEN}"])
def test_a_variable_holding_a_credential_is_refused(tmp_path, value) -> None:
    path = _write(
        tmp_path,
        "x.yaml",
        "applications:\n  - friendly_name: a\n    voice_url: ${HOOK}\n",
    )
    [problem] = read([path], env={"TWILIO_API_SECRET": TOKEN, "HOOK": value}).problems
    assert "${HOOK} holds the value of TWILIO_API_SECRET" in problem.message
    assert problem.line == 3


def test_a_credential_written_into_a_manifest_is_refused(tmp_path) -> None:
    path = _write(tmp_path, "x.yaml", f"queues:\n  - friendly_name: q\n# {TOKEN}\n")
    with pytest.raises(ManifestSyntaxError) as caught:
        read([path], env={"MATON_API_KEY": TOKEN})
    [reason] = caught.value.reasons
    assert reason.endswith(
        "x.yaml:3 holds the value of MATON_API_KEY: a manifest must never carry a "
        "credential, since plans are posted to pull requests and webhook URLs send "
        "it to other hosts; remove it (and rotate the credential if this was ever "
        "committed)"
    )
    assert TOKEN not in reason


def test_short_credential_values_do_not_match_ordinary_text(tmp_path) -> None:
    path = _write(tmp_path, "x.yaml", "queues:\n  - friendly_name: abc\n")
    assert read([path], env={"TWILIO_AUTH_TOKEN": "abc"}).problems == ()


def test_an_editor_lock_link_is_not_a_manifest(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "queues: []\n")
    (tmp_path / ".#a.yaml").symlink_to("user@host.1234:1700000000")
    assert expand([tmp_path]) == [str(tmp_path / "a.yaml")]


def test_hidden_files_in_a_directory_are_not_manifests(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "queues: []\n")
    hooks = _write(tmp_path, ".pre-commit-config.yaml", "repos: []\n")
    assert expand([tmp_path]) == [str(tmp_path / "a.yaml")]
    # Named on the command line, it is still read.
    assert expand([hooks]) == [str(hooks)]
