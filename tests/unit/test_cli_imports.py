"""Each verb imports only what it uses (issue 20): counted in sys.modules of a
fresh process, not timed. `--version` and `--help` load no package of the
pipeline; `plan` against a real host (here the emulator served over HTTP
from this process, so the child sees only a host) loads no module of the
emulator, of the one-off verbs or of the renderers it does not print with."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.e2e.test_exactly_once import served
from twilio_iac.apis import APIS
from twilio_iac.cli import COMMANDS, cli
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Emulator

# Runs the CLI as `twilio-iac ARGS`, then prints the modules it loaded.
_CHILD = """
import json, sys
from twilio_iac.cli import main
sys.argv = ["twilio-iac", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("MODULES " + json.dumps(sorted(sys.modules)))
"""

# What no verb of the reconciler needs before it prints a plan.
_NOT_FOR_PLAN = (
    "twilio_iac.emulator",
    "twilio_iac.operations",
    "twilio_iac.render.apply",
    "twilio_iac.render.markdown",
    "twilio_iac.render.records",
    "twilio_iac.render.usage",
    "twilio_iac.render.connections",
    "twilio_iac.reconcile.export",
    "twilio_iac.cli.apply_run",
    "twilio_iac.cli.bootstrap",
    "twilio_iac.cli.history_kit",
    "twilio_iac.cli.emulator",
    "twilio_iac.cli.sends",
    "twilio_iac.cli.gateway",
)


def _loaded(args: list[str], env: dict[str, str] | None = None) -> tuple[str, set]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    out, _, modules = done.stdout.rpartition("MODULES ")
    assert modules, done.stderr
    return out, set(json.loads(modules))


def _under(modules: set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_load_no_pipeline(flag: str) -> None:
    out, modules = _loaded([flag])
    assert "twilio-iac" in out
    ours = {m for m in modules if m.startswith("twilio_iac")}
    assert ours <= {
        "twilio_iac",
        "twilio_iac.cli",
        "twilio_iac.cli.context",
        "twilio_iac.errors",
        "twilio_iac.logs",
        "twilio_iac.urlauth",
    }
    for heavy in ("structlog", "httpx", "yaml", "jsonschema", "referencing"):
        assert not _under(modules, heavy), heavy


def test_help_lists_every_command_without_importing_it() -> None:
    out, modules = _loaded(["--help"])
    listed = [
        line.split()[0] for line in out.split("Commands:\n")[1].splitlines() if line
    ]
    assert listed == sorted(COMMANDS)
    assert not _under(modules, "twilio_iac.cli.reconcile")


def _first_sentence(help_text: str) -> str:
    """What click's short help can show of a help text: its first paragraph
    up to the first word ending a sentence."""
    words = inspect.cleandoc(help_text).split("\n\n")[0].split()
    ends = [i for i, word in enumerate(words) if word.endswith(".")]
    return " ".join(words[: ends[0] + 1] if ends else words)


def test_each_lazy_command_is_where_the_table_says_with_its_own_help() -> None:
    ctx = click.Context(cli)
    for name, lazy in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
        assert command.short_help is None, name  # else the table must hold it
        assert lazy.help == _first_sentence(command.help or ""), name


def test_help_is_the_same_once_the_commands_are_loaded() -> None:
    lazy = CliRunner().invoke(cli, ["--help"], terminal_width=72).output
    ctx = click.Context(cli)
    for name in COMMANDS:
        cli.get_command(ctx, name)
    assert CliRunner().invoke(cli, ["--help"], terminal_width=72).output == lazy


@pytest.fixture
def host(tmp_path: Path) -> Iterator[dict[str, str]]:
    emulator = Emulator()
    with served(emulator) as base:
        env = {
            "PATH": "",
            "TWILIO_ACCOUNT_SID": SANDBOX_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": SANDBOX_AUTH_TOKEN,
        }
        yield env | {api.base_url_var: base for api in APIS.values()}


def test_plan_against_a_host_loads_neither_emulator_nor_other_verbs(
    host: dict[str, str], tmp_path: Path
) -> None:
    manifest = tmp_path / "twilio.yaml"
    manifest.write_text("queues:\n  - friendly_name: support\n", encoding="utf-8")
    out, modules = _loaded(["plan", str(manifest)], host)
    assert "support" in out and "1 to create" in out, out
    assert "twilio_iac.reconcile.planner" in modules  # it did plan
    for package in _NOT_FOR_PLAN:
        assert not _under(modules, package), package


def test_validate_loads_no_http_client(tmp_path: Path) -> None:
    manifest = tmp_path / "twilio.yaml"
    manifest.write_text("queues:\n  - friendly_name: support\n", encoding="utf-8")
    out, modules = _loaded(["validate", str(manifest)])
    assert "valid" in out.lower(), out
    for package in ("httpx", "twilio_iac.api.client", *_NOT_FOR_PLAN):
        assert not _under(modules, package), package
