"""The twilio-iac command line: parse, call one function, print.

stdout carries only each command's output (so `plan --output json > f` is
clean); logs and errors go to stderr.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import click

from . import __version__, applier, desired, logs, render
from .errors import TwilioIacError
from .resources import REGISTRY
from .workflow import make_plan, session


@dataclass
class Options:
    sandbox: bool
    debug: bool


class _Group(click.Group):
    """Turns every expected error into one paragraph on stderr and exit 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except TwilioIacError as exc:
            _fail(ctx, str(exc))
        except KeyboardInterrupt:
            _fail(ctx, "Interrupted.")
        except Exception as exc:  # a bug: say so, keep the traceback for --debug
            _fail(
                ctx,
                f"Unexpected error: {type(exc).__name__}: {exc}\n"
                "This is a bug in twilio-iac. Rerun with --debug for the traceback.",
            )
        return None


def _fail(ctx: click.Context, message: str) -> None:
    options = ctx.find_object(Options)
    if options and options.debug:
        traceback.print_exc(file=sys.stderr)
    click.echo(f"Error: {message}", err=True)
    ctx.exit(1)


pass_options = click.make_pass_decorator(Options)
paths_argument = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)


@click.group(cls=_Group)
@click.option(
    "--sandbox",
    is_flag=True,
    envvar="TWILIO_IAC_SANDBOX",
    help="Use the built-in Twilio emulator instead of api.twilio.com "
    "(no credentials, no network). Also TWILIO_IAC_SANDBOX=1.",
)
@click.option("--debug", is_flag=True, help="Verbose logs and tracebacks on errors.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Format of the log lines on stderr.",
)
@click.version_option(__version__, prog_name="twilio-iac")
@click.pass_context
def cli(ctx: click.Context, sandbox: bool, debug: bool, log_format: str) -> None:
    """Manage a Twilio account as code: YAML manifests, plan, apply."""
    logs.configure(debug=debug, fmt=log_format)
    ctx.obj = Options(sandbox=sandbox, debug=debug)


@cli.command()
@paths_argument
def validate(paths: tuple[Path, ...]) -> None:
    """Check manifests offline: schema, references, duplicates. Sends nothing."""
    result = desired.load(paths)
    counts = Counter(key.kind for key in result.resources)
    detail = ", ".join(f"{counts[k]} {k}" for k in REGISTRY if counts[k]) or "empty"
    files = len(result.files)
    click.echo(f"Valid: {files} file{'s' if files != 1 else ''}, {detail}.")
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)


@cli.command()
@paths_argument
@click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json (schemas/plan.schema.json) for machines.",
)
@pass_options
def plan(options: Options, paths: tuple[Path, ...], output: str) -> None:
    """Show what apply would change, field by field. Changes nothing."""
    wanted = desired.load(paths)
    with session(options.sandbox) as client:
        result = make_plan(wanted, client)
    if output == "json":
        click.echo(render.as_json(result), nl=False)
    else:
        click.echo(render.text(result, colour=_colour()), nl=False)


@cli.command()
@paths_argument
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option(
    "--allow-release",
    is_flag=True,
    help="Permit releasing phone numbers that the plan deletes (prune).",
)
@pass_options
def apply(
    options: Options, paths: tuple[Path, ...], auto_approve: bool, allow_release: bool
) -> None:
    """Compute the plan, show it, ask, then make the calls in dependency order."""
    wanted = desired.load(paths)
    with session(options.sandbox) as client:
        result = make_plan(wanted, client)
        click.echo(render.text(result, colour=_colour()), nl=False)
        if result.empty:
            return
        result.raise_if_unsafe(allow_release)
        if not auto_approve:
            _confirm()
        click.echo("")
        count = applier.apply(result, client, progress=click.echo)
    click.echo(f"\nApply complete: {count} call(s) made. " + render.summary(result))


def _confirm() -> None:
    if not _stdin_is_terminal():
        raise TwilioIacError(
            "Refusing to apply without confirmation: standard input is not a "
            "terminal, so nobody can answer. Review the plan above and rerun with "
            "--auto-approve to apply it unattended."
        )
    answer = click.prompt(
        "\nApply these changes to Twilio? Only 'yes' will be accepted",
        default="",
        show_default=False,
    )
    if answer.strip() != "yes":
        raise TwilioIacError("Apply cancelled; nothing was changed.")


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


@cli.group()
def emulator() -> None:
    """The built-in Twilio emulator (a test double, not Twilio)."""


@emulator.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="State file (default: TWILIO_IAC_SANDBOX_STATE or .twilio-iac/sandbox.json).",
)
def serve(port: int, state: Path | None) -> None:
    """Serve the emulator over HTTP on 127.0.0.1 for other clients (e.g. the SDK)."""
    from .emulator import serve as serve_emulator
    from .workflow import sandbox_state_path

    credentials = None
    sid, token = (
        os.environ.get("TWILIO_ACCOUNT_SID"),
        os.environ.get("TWILIO_AUTH_TOKEN"),
    )
    if sid and token:
        credentials = {sid: token}
    serve_emulator(
        port=port,
        state_path=state or sandbox_state_path(os.environ),
        credentials=credentials,
    )


def main() -> None:
    cli(prog_name="twilio-iac")
