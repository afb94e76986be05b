"""The twilio-iac command line: parse, call one function, print.

stdout carries only each command's output (so `plan --output json > f` is
clean); logs and errors go to stderr. The group and its error boundary live
here; each family of verbs has its own module, named in COMMANDS below and
imported the first time it is used: `--version`, `--help` and each verb load
only what they need (tests/unit/test_cli_imports.py counts it).

May import: everything. It is the composition root, the one place that wires
the client to the in-process emulator for --sandbox.
"""

from __future__ import annotations

import difflib
import gc
import importlib
import os
import sys
import traceback
from typing import Any, NamedTuple

import click

from twilio_iac import __version__, logs
from twilio_iac.cli.context import Options, register_sandbox_token
from twilio_iac.errors import TwilioIacError


class Lazy(NamedTuple):
    """A command imported on first use, and the first paragraph of its help,
    which `twilio-iac --help` lists without importing it (a test checks
    that it is the command's own)."""

    module: str
    attribute: str
    help: str


# name → where it lives; `--help` lists them in this table's order of names.
COMMANDS = {
    "validate": Lazy(
        "twilio_iac.cli.reconcile",
        "validate",
        "Check manifests offline: schema, references, duplicates.",
    ),
    "plan": Lazy(
        "twilio_iac.cli.reconcile",
        "plan",
        "Show what apply would change, field by field.",
    ),
    "apply": Lazy(
        "twilio_iac.cli.reconcile",
        "apply",
        "Make live state match: compute the plan (or read a saved one), "
        "show it, ask, then make the calls, up to --parallelism at once, "
        "each after the changes it depends on.",
    ),
    "emulator": Lazy(
        "twilio_iac.cli.emulator",
        "emulator",
        "The built-in Twilio emulator (a test double, not Twilio).",
    ),
    "export": Lazy(
        "twilio_iac.cli.bootstrap",
        "export_command",
        "Write manifests from the live account, so it can be managed as code.",
    ),
    "init": Lazy(
        "twilio_iac.cli.bootstrap",
        "init",
        "Create a starter repository in DIRECTORY (default: the current "
        "one), or add twilio-iac to an existing one: manifests, schemas, "
        "the GitHub Actions workflow, a pre-commit hook, .gitignore, a "
        "README.",
    ),
    "send": Lazy(
        "twilio_iac.cli.sends",
        "send",
        "Send one SMS/MMS/WhatsApp message or place one call (never planned).",
    ),
    "status": Lazy(
        "twilio_iac.cli.sends",
        "status",
        "Show a message (SM…/MM…) or call (CA…) and its current status.",
    ),
    "verify": Lazy(
        "twilio_iac.cli.verify",
        "verify",
        "Try a Verify service: start a verification, then check the code.",
    ),
    "usage": Lazy(
        "twilio_iac.cli.usage",
        "usage",
        "Usage and cost per category, with a total; prices are exact decimals.",
    ),
    "webhook": Lazy(
        "twilio_iac.cli.webhook",
        "webhook",
        "Sign or check an X-Twilio-Signature (offline: nothing is sent).",
    ),
    "gateway": Lazy(
        "twilio_iac.cli.gateway",
        "gateway",
        "The managed-OAuth gateway (MATON_API_KEY): its Twilio connections.",
    ),
    "messages": Lazy(
        "twilio_iac.cli.messages",
        "messages_group",
        "List, show, redact and delete messages; list and download their media.",
    ),
    "calls": Lazy(
        "twilio_iac.cli.calls",
        "calls_group",
        "List, show, hang up, redirect and delete calls.",
    ),
    "recordings": Lazy(
        "twilio_iac.cli.recordings",
        "recordings_group",
        "List, download and delete call recordings.",
    ),
    "transcripts": Lazy(
        "twilio_iac.cli.transcripts",
        "transcripts_group",
        "Read Voice Intelligence transcripts.",
    ),
    "numbers": Lazy(
        "twilio_iac.cli.numbers",
        "numbers_group",
        "The account's phone numbers.",
    ),
    "lookup": Lazy(
        "twilio_iac.cli.lookup",
        "lookup",
        "Look numbers up: validity and formats, and any data packages asked for.",
    ),
}


class _Group(click.Group):
    """Turns every expected error into one paragraph on stderr and exit 1, and
    imports each command of COMMANDS on first use (click's lazy group)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = self.commands.get(cmd_name)
        lazy = COMMANDS.get(cmd_name)
        if found is None and lazy is not None:
            module = importlib.import_module(lazy.module)
            found = getattr(module, lazy.attribute)
            self.add_command(found, cmd_name)
            # What is loaded now lives as long as the process: the cyclic
            # collector need never walk it again.
            gc.freeze()
        return found

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """As click's, and a mistyped command says which one was meant."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            name = args[0] if args else ""
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            if close and "No such command" in exc.message:
                exc.message += f" Did you mean '{close[0]}'?"
            raise

    def format_commands(
        self, ctx: click.Context, formatter: click.HelpFormatter
    ) -> None:
        """The list of `--help`, from COMMANDS' help: nothing is imported."""
        shown = [
            (name, self.commands.get(name))
            for name in self.list_commands(ctx)
            if name not in self.commands or not self.commands[name].hidden
        ]
        if not shown:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in shown)
        rows = [
            (
                name,
                loaded.get_short_help_str(limit)
                if loaded is not None
                else click.utils.make_default_short_help(COMMANDS[name].help, limit),
            )
            for name, loaded in shown
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # The one place output leaves: whatever any command prints, a
        # credential in use comes out as [redacted].
        logs.register_credentials(os.environ)
        out, err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = logs.ScrubbedStream(out), logs.ScrubbedStream(err)
        try:
            self._main(*args, **kwargs)
        finally:
            sys.stdout, sys.stderr = out, err

    def _main(self, *args: Any, **kwargs: Any) -> None:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(0)
        except click.ClickException as exc:
            # click exits 2 on usage errors, which --detailed-exitcode reserves
            # for "changes present": every error exits 1 here.
            exc.show()
            sys.exit(1)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except TwilioIacError as exc:
            _fail(ctx, str(exc))
        except BrokenPipeError:
            # `… | head`: the reader has what it wanted. Keep Python from
            # failing on the final flush of the closed pipe, and say nothing.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except OSError as exc:  # a path the user gave cannot be read or written
            where = exc.filename if exc.filename is not None else "a file"
            _fail(
                ctx,
                f"{where}: {exc.strerror or exc}. Check that the path exists, is "
                "not a directory (or a file where a directory is needed), and is "
                "writable.",
            )
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
        trace = traceback.format_exc()
        click.echo(logs.scrub(trace), err=True, nl=False)
    # Error bodies quote what a server said, which could echo a credential.
    click.echo(f"Error: {logs.scrub(message)}", err=True)
    ctx.exit(1)


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
@click.option(
    "--account-sid",
    metavar="AC…",
    envvar="TWILIO_IAC_ACCOUNT_SID",
    help="Target this (sub)account with the parent account's credentials. "
    "Default: the manifests' account_sid, else the credentials' account.",
)
@click.version_option(__version__, prog_name="twilio-iac")
@click.pass_context
def cli(
    ctx: click.Context,
    sandbox: bool,
    debug: bool,
    log_format: str,
    account_sid: str | None,
) -> None:
    """Manage a Twilio account as code: YAML manifests, plan, apply.

    \b
    Try it without an account, against the built-in sandbox:
      twilio-iac --sandbox apply examples/starter --auto-approve
      twilio-iac --sandbox plan examples/starter
    """
    logs.configure(debug=debug, fmt=log_format)
    if sandbox:
        register_sandbox_token()
    ctx.obj = Options(sandbox=sandbox, debug=debug, account_sid=account_sid)


def main() -> None:
    cli(prog_name="twilio-iac")
