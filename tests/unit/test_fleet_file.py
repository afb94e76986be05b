"""The fleet file: parsed with lines, refused offline, and selected by --only
and --shard."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from twilio_iac.errors import ConfigError, ManifestError
from twilio_iac.manifests import fleet
from twilio_iac.manifests.schema import schema_dir

SCHEMA = json.loads((schema_dir() / "fleet.schema.json").read_text(encoding="utf-8"))


def _fleet(tmp_path: Path, body: str) -> Path:
    for layer in ("base", "customers/acme", "customers/globex"):
        (tmp_path / layer).mkdir(parents=True, exist_ok=True)
    path = tmp_path / "fleet.yaml"
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        fleet.load(path)
    return caught.value.reasons


GOOD = """
accounts:
  - friendly_name: acme
    paths: [base, customers/acme]
  - friendly_name: globex
    sid: AC0123456789abcdef0123456789abcdef
    paths: [base, customers/globex]
    api_key_env: GLOBEX_KEY
    api_secret_env: GLOBEX_SECRET
    status: suspended
"""


def test_a_fleet_file_reads_as_accounts_with_their_layers(tmp_path: Path) -> None:
    loaded = fleet.load(_fleet(tmp_path, GOOD))
    acme, globex = loaded.accounts
    assert acme.friendly_name == "acme"
    assert acme.paths == (tmp_path / "base", tmp_path / "customers/acme")
    assert acme.key_vars is None and acme.status is None
    assert globex.sid == "AC0123456789abcdef0123456789abcdef"
    assert globex.key_vars == ("GLOBEX_KEY", "GLOBEX_SECRET")
    assert globex.status == "suspended"
    assert Draft202012Validator(SCHEMA).is_valid(yaml.safe_load(GOOD))


def test_unknown_keys_duplicates_and_missing_paths_are_refused_with_lines(
    tmp_path: Path,
) -> None:
    path = _fleet(
        tmp_path,
        """
        accounts:
          - friendly_name: acme
            paths: [base, customers/nowhere]
            colour: blue
          - friendly_name: acme
            paths: [base]
            status: deleted
          - friendly_name: initech
            api_key_env: INITECH_KEY
        """,
    )
    problems = _problems(path)
    file = str(path)
    assert f"{file}:3 accounts[0].paths: paths[1] 'customers/nowhere'" in problems[0]
    assert problems[1].startswith(f"{file}:4 accounts[0].colour: unknown key")
    assert any(
        p.startswith(f"{file}:5 accounts[1].friendly_name: 'acme' is already")
        for p in problems
    )
    assert any(p.startswith(f"{file}:7 accounts[1].status: one of") for p in problems)
    assert any("`paths` is required" in p for p in problems)
    assert any("`api_secret_env` is missing" in p for p in problems)
    bad = yaml.safe_load(path.read_text())
    assert not Draft202012Validator(SCHEMA).is_valid(bad)


def test_a_secret_in_place_of_a_variable_name_is_refused(tmp_path: Path) -> None:
    path = _fleet(
        tmp_path,
        """
        accounts:
          - friendly_name: acme
            paths: [base]
            api_key_env: SK0123/456
            api_secret_env: GOOD_NAME
        """,
    )
    (problem,) = _problems(path)
    assert "accounts[0].api_key_env: the name of an environment variable" in problem
    assert "SK0123/456" not in problem


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = _fleet(tmp_path, "accounts:\n  - friendly_name: [acme\n")
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:")


def _accounts(*names: str) -> tuple[fleet.Account, ...]:
    return tuple(fleet.Account(n, (Path("base"),)) for n in names)


def test_only_takes_names_and_globs() -> None:
    accounts = _accounts("acme", "acme-eu", "globex")
    chosen = fleet.select(accounts, "acme-*,globex", None)
    assert [a.friendly_name for a in chosen] == ["acme-eu", "globex"]
    with pytest.raises(ConfigError, match="'initech' matches no account"):
        fleet.select(accounts, "initech", None)


def test_shards_split_the_fleet_exactly_and_stably() -> None:
    accounts = _accounts(*(f"customer-{i}" for i in range(300)))
    shards = [fleet.select(accounts, None, (k, 4)) for k in range(1, 5)]
    names = [a.friendly_name for shard in shards for a in shard]
    assert sorted(names) == sorted(a.friendly_name for a in accounts)
    assert all(40 < len(shard) < 110 for shard in shards)
    # A hash of the name only: adding accounts moves no other account.
    more = accounts + _accounts("newcomer")
    assert fleet.select(more, None, (2, 4))[: len(shards[1])] == shards[1]
    assert fleet.shard_of("acme", 8) == fleet.shard_of("acme", 8)


@pytest.mark.parametrize("text", ["0/3", "4/3", "1", "a/b", "1/0"])
def test_a_bad_shard_is_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="is not K/N"):
        fleet.parse_shard(text)


def test_a_shard_parses() -> None:
    assert fleet.parse_shard("3/8") == (3, 8)


def test_a_key_sid_in_place_of_a_variable_name_is_refused(tmp_path: Path) -> None:
    key = "SK" + "0123456789abcdef" * 2
    path = _fleet(
        tmp_path,
        f"""
        accounts:
          - friendly_name: acme
            paths: [base]
            api_key_env: {key}
            api_secret_env: ACME_SECRET
        """,
    )
    (problem,) = _problems(path)
    assert "api_key_env: this is a key or account SID" in problem
    assert key not in problem
