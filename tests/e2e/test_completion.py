"""Shell completion (click's), as the README documents it: the script for
each shell, and completions for a partial command, through the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _complete(**env: str) -> subprocess.CompletedProcess[str]:
    code = "from twilio_iac.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_its_script(shell):
    done = _complete(_TWILIO_IAC_COMPLETE=f"{shell}_source")
    assert done.returncode == 0, done.stderr
    assert "_TWILIO_IAC_COMPLETE" in done.stdout and "Traceback" not in done.stderr


def test_a_partial_command_completes():
    done = _complete(
        _TWILIO_IAC_COMPLETE="bash_complete", COMP_WORDS="twilio-iac pl", COMP_CWORD="1"
    )
    assert done.returncode == 0, done.stderr
    assert "plain,plan" in done.stdout.splitlines()  # bash: "type,value" lines
