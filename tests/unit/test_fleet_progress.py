"""Fleet progress: accounts done out of the total and an ETA, on a terminal
only, and nothing left on the line when done."""

from __future__ import annotations

import io

import pytest

from twilio_iac.cli import fleet as cli_fleet


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(monkeypatch: pytest.MonkeyPatch, stream: io.StringIO) -> str:
    monkeypatch.setattr("sys.stderr", stream)
    with cli_fleet._progress(3, "planned") as tick:
        for _ in range(3):
            tick(None)
    return stream.getvalue()


def test_progress_counts_accounts_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown = _run(monkeypatch, _Terminal())
    assert "\r1/3 accounts planned, ETA" in shown
    assert "\r3/3 accounts planned, ETA 0s" in shown
    assert shown.endswith("\r\033[K")


def test_no_progress_when_stderr_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _run(monkeypatch, io.StringIO()) == ""
