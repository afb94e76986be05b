"""What the top-level options hand to every command, and shared helpers."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from twilio_iac import logs
from twilio_iac.errors import TwilioIacError


@dataclass
class Options:
    sandbox: bool
    debug: bool
    account_sid: str | None = None  # --account-sid: a subaccount to target


pass_options = click.make_pass_decorator(Options)


def register_sandbox_token() -> None:
    """The sandbox's token is a credential in use like a real one: manifests
    may not copy it (checked before any client exists) and outputs redact it."""
    from twilio_iac.emulator import SANDBOX_AUTH_TOKEN  # only the sandbox needs it

    logs.register_secret(SANDBOX_AUTH_TOKEN)


def _late_sandbox(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(Options).sandbox = True
        register_sandbox_token()


# `twilio-iac plan --sandbox` reads naturally, so subcommands that talk to
# Twilio accept the flag after their name too, not only before it.
sandbox_option = click.option(
    "--sandbox",
    is_flag=True,
    expose_value=False,
    callback=_late_sandbox,
    help="Use the built-in emulator (same as `twilio-iac --sandbox ...`).",
)


class OutputChoice(click.Choice):
    """The values of --output, plus old spellings that still work but are no
    longer shown (`table` for lists is now `text`, as everywhere else)."""

    def __init__(self, choices: list[str], aliases: dict[str, str]) -> None:
        super().__init__(choices)
        self.aliases = aliases

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        return super().convert(self.aliases.get(value, value), param, ctx)


def output_option(
    choices: list[str], help: str, *names: str, **extra: Any
) -> Callable[[Any], Any]:
    """One --output for every command: `text` (the default: a table for
    lists), `json`, `csv` for lists, `markdown` where a PR comment fits."""
    return click.option(
        "--output",
        *names,
        type=OutputChoice(choices, {"table": "text"}),
        default="text",
        show_default=True,
        help=help,
        **extra,
    )


paths_argument = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)


def stack(*decorators: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Apply decorators as if written top to bottom above the function."""

    def apply(func: Any) -> Any:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


def command(options: Options) -> str:
    """How to invoke twilio-iac again the same way, for hints users copy."""
    words = ["twilio-iac"]
    if options.sandbox:
        words.append("--sandbox")
    if options.account_sid:
        words += ["--account-sid", options.account_sid]
    return " ".join(words)


def colour() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def table_width() -> int | None:
    """The width tables fit, or None for no limit.

    COLUMNS wins; else a terminal's width. A file or pipe gets whole rows:
    a reader there has no screen to fit, and cut values cannot be recovered.
    """
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size((80, 24)).columns


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


# What ends input typed at a terminal.
_EOF = "Ctrl-Z then Enter" if os.name == "nt" else "Ctrl-D"


def stdin_notice(what: str) -> None:
    """Say that ``what`` is being read from standard input, when a person is
    typing it: otherwise the command looks hung. Piped input stays silent."""
    if stdin_is_terminal():
        click.echo(f"Reading {what} from standard input; end with {_EOF}.", err=True)


def read_stdin(what: str) -> str:
    """Standard input as text, for an option or argument given as '-'."""
    stdin_notice(what)
    return click.File("r").convert("-", None, None).read()


class InputFile(click.File):
    """click.File that announces reading '-' from a terminal (see stdin_notice)."""

    def __init__(self, what: str, mode: str = "r") -> None:
        super().__init__(mode)
        self.what = what

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Any:
        if value == "-":
            stdin_notice(self.what)
        return super().convert(value, param, ctx)


def confirm(question: str, refusal: str) -> None:
    """Ask for a literal 'yes'; refuse outright when nobody can answer."""
    if not stdin_is_terminal():
        raise TwilioIacError(refusal)
    answer = click.prompt(
        f"\n{question} Only 'yes' will be accepted",
        default="",
        show_default=False,
    )
    if answer.strip() != "yes":
        raise TwilioIacError("Cancelled; nothing was changed.")


def not_found(what: str, sid: str, where: str, next_step: str) -> TwilioIacError:
    """One wording for every "that SID is not there" (an HTTP 404)."""
    return TwilioIacError(
        f"No {what} {sid} in {where} (Twilio answered HTTP 404): {next_step}"
    )


def subaccount_hint(what: str) -> str:
    return (
        f"it was deleted, or the {what} belongs to another account (use "
        "--account-sid for a subaccount's)."
    )


def selected_kinds(given: tuple[str, ...]) -> tuple[str, ...]:
    """`--kinds a,b --kinds c` → ("a", "b", "c"), each once; none given → ()."""
    from twilio_iac.errors import did_you_mean
    from twilio_iac.resources import REGISTRY  # not for --version or --help

    kinds = [k.strip() for item in given for k in item.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(REGISTRY))
    if unknown:
        hints = "".join(did_you_mean(kind, REGISTRY) for kind in unknown)
        raise click.BadParameter(
            f"unknown kind {', '.join(unknown)}{hints} "
            f"(choose from {', '.join(REGISTRY)})"
        )
    return tuple(dict.fromkeys(kinds))
