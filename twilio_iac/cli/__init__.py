"""The twilio-iac command line: parse, call one function, print.

stdout carries only each command's output (so `plan --output json > f` is
clean); logs and errors go to stderr. The group and its error boundary live
here; each family of verbs has its own module and is added below.

May import: everything. It is the composition root, the one place that wires
the client to the in-process emulator for --sandbox.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import click

from twilio_iac import __version__, logs
from twilio_iac.cli.bootstrap import export_command, init
from twilio_iac.cli.context import Options, register_sandbox_token
from twilio_iac.cli.emulator import emulator
from twilio_iac.cli.gateway import gateway
from twilio_iac.cli.history import COMMANDS as HISTORY_COMMANDS
from twilio_iac.cli.lookup import lookup
from twilio_iac.cli.reconcile import apply, plan, validate
from twilio_iac.cli.sends import send, status
from twilio_iac.cli.usage import usage
from twilio_iac.cli.verify import verify
from twilio_iac.cli.webhook import webhook
from twilio_iac.errors import TwilioIacError


class _Group(click.Group):
    """Turns every expected error into one paragraph on stderr and exit 1."""

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


for command in (
    validate,
    plan,
    apply,
    emulator,
    export_command,
    init,
    send,
    status,
    verify,
    usage,
    webhook,
    gateway,
    *HISTORY_COMMANDS,
    lookup,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="twilio-iac")
