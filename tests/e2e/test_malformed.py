"""The malformed-manifest corpus: every case is refused before any request.

tests/fixtures/malformed/ holds one file or directory per case and
expected.tsv the file:line (or path, for an entry that is not a file) and a
fragment of the message each must give. A few cases git cannot hold (a FIFO,
an unreadable file, an empty directory) are made here. Each case runs through
validate, plan and apply as a user runs them: exit 1, one located paragraph,
no traceback, and nothing in the emulator's request log.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from twilio_iac.cli import cli
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID

CORPUS = Path(__file__).parent.parent / "fixtures" / "malformed"
TOKEN = "5ecret5ecret5ecret5ecret5ecret00"  # secret-literal.yaml holds it


def _table() -> list[tuple[str, str, str]]:
    rows = CORPUS.joinpath("expected.tsv").read_text(encoding="utf-8").splitlines()
    return [tuple(row.split("\t")) for row in rows if not row.startswith("#")]


CASES = _table()


@pytest.fixture
def refused(
    state_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    requests: Callable[[], list[tuple[str, str]]],
) -> Callable[[str, str, str], None]:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("COPIED_TOKEN", TOKEN)

    def check(path: str, location: str, fragment: str) -> None:
        # --require-vars: the corpus holds an unset variable, which plain
        # validate checks around (test_validate.py).
        verbs = (["validate", "--require-vars"], ["plan"], ["apply", "--auto-approve"])
        for verb in verbs:
            result = CliRunner().invoke(cli, ["--sandbox", *verb, path])
            output = result.output
            assert result.exit_code == 1, (verb, output)
            assert isinstance(result.exception, SystemExit), (verb, output)
            assert "Traceback" not in output and "bug in twilio-iac" not in output
            assert f"  - {location}" in output, (verb, output)
            assert fragment in output, (verb, output)
            assert "nothing was sent to Twilio" in output
            assert TOKEN not in output
        assert requests() == []

    return check


def test_the_corpus_is_large_and_every_case_is_listed() -> None:
    listed = {case for case, _, _ in CASES}
    present = {p.name for p in CORPUS.iterdir()} - {"expected.tsv"}
    assert listed == present
    assert len(CASES) >= 60


@pytest.mark.parametrize(("case", "location", "fragment"), CASES, ids=lambda v: v)
def test_each_malformed_manifest_is_refused_offline(
    refused: Callable[[str, str, str], None],
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    location: str,
    fragment: str,
) -> None:
    monkeypatch.chdir(CORPUS)
    refused(case, location, fragment)


def test_the_request_log_sees_a_valid_plan(run, write, requests) -> None:
    # The control: the same fixture does record requests when there are any.
    path = write("ok.yaml", "queues:\n  - friendly_name: q\n")
    assert run("plan", str(path)).exit_code == 0
    assert ("GET", f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Queues.json") in [
        (method, path.partition("?")[0]) for method, path in requests()
    ]


def test_a_fifo_is_refused_not_read(refused, tmp_path, monkeypatch) -> None:
    (tmp_path / "m").mkdir()
    os.mkfifo(tmp_path / "m" / "pipe.yaml")
    monkeypatch.chdir(tmp_path)
    refused("m", "m/pipe.yaml:", "a named pipe (FIFO), not a regular file")
    refused("m/pipe.yaml", "m/pipe.yaml:", "a named pipe (FIFO)")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_refused(refused, tmp_path, monkeypatch) -> None:
    (tmp_path / "m").mkdir()
    secret = tmp_path / "m" / "locked.yaml"
    secret.write_text("queues: []\n")
    secret.chmod(0)
    monkeypatch.chdir(tmp_path)
    refused("m", "m/locked.yaml:", "not readable (permission denied)")


def test_an_empty_directory_is_refused(refused, tmp_path, monkeypatch) -> None:
    (tmp_path / "m").mkdir()
    monkeypatch.chdir(tmp_path)
    refused("m", "m:", "no *.yaml or *.yml files in this directory")


def test_a_nine_level_alias_bomb_fails_fast(refused, monkeypatch) -> None:
    # Speed is the benchmark's business; this only shows the bomb never
    # expands: its error reports the size it would have had.
    monkeypatch.chdir(CORPUS)
    refused("alias-bomb-lists.yaml", "alias-bomb-lists.yaml:1", "490,329,064 values")
