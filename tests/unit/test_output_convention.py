"""One output convention: every command that prints data takes --output, with
`text` the default and only the values the README names."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from twilio_iac.cli import cli

ALLOWED = {"text", "json", "csv", "markdown", "github"}


def _commands(cmd: click.Command, path: tuple[str, ...] = ()) -> Iterator:
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd)  # the top level imports its commands on first use
        for name in cmd.list_commands(ctx):
            yield from _commands(cmd.get_command(ctx, name), (*path, name))
    else:
        yield path, cmd


OUTPUTS = [
    (path, param)
    for path, cmd in _commands(cli)
    for param in cmd.params
    if "--output" in getattr(param, "opts", ())
]


def test_many_commands_have_output() -> None:
    assert len(OUTPUTS) >= 25


@pytest.mark.parametrize(
    ("path", "param"),
    OUTPUTS,
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_output_values_and_default(path: tuple[str, ...], param: click.Option) -> None:
    choices = set(param.type.choices)
    assert param.default == "text", path
    assert "text" in choices and choices <= ALLOWED, (path, choices)


def test_no_command_shows_format_for_output() -> None:
    shown = [
        path
        for path, cmd in _commands(cli)
        for param in cmd.params
        if "--format" in getattr(param, "opts", ()) and not param.hidden
    ]
    assert shown == []


def test_table_still_means_text(run) -> None:
    table = run("messages", "list", "--output", "table")
    text = run("messages", "list", "--output", "text")
    assert table.exit_code == 0, table.output
    assert table.stdout == text.stdout
    help_text = CliRunner().invoke(cli, ["messages", "list", "--help"]).stdout
    assert "--output [text|json|csv]" in help_text


def test_usage_format_is_a_hidden_alias(run) -> None:
    new = run("usage", "--period", "today", "--output", "json")
    old = run("usage", "--period", "today", "--format", "json")
    assert new.exit_code == old.exit_code == 0, old.output
    assert new.stdout == old.stdout and new.stdout.lstrip().startswith("{")
    assert "--format" not in CliRunner().invoke(cli, ["usage", "--help"]).stdout
