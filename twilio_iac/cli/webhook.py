"""`twilio-iac webhook sign|check`: Twilio's X-Twilio-Signature, offline.

The key is the account's auth token (TWILIO_AUTH_TOKEN, another variable named
by --auth-token-env, or the sandbox's with --sandbox). It is never printed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qsl

import click

from twilio_iac import logs, webhooks
from twilio_iac.cli.context import (
    InputFile,
    Options,
    pass_options,
    sandbox_option,
    stack,
)
from twilio_iac.errors import ConfigError, TwilioIacError


def _param(ctx: click.Context, _p: click.Parameter, values: tuple[str, ...]) -> list:
    pairs = []
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", ctx=ctx)
        pairs.append((name, rest))
    return pairs


_options = stack(
    click.argument("url"),
    click.option(
        "--param",
        "params",
        multiple=True,
        metavar="NAME=VALUE",
        callback=_param,
        help="A POST parameter, exactly as sent; repeatable (and repeatable "
        "with the same NAME for a list).",
    ),
    click.option(
        "--form",
        type=InputFile("the POST body", "rb"),
        help="The POST body as received (application/x-www-form-urlencoded); "
        "'-' reads standard input. Combines with --param.",
    ),
    click.option(
        "--body",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="A JSON body (raw bytes, as sent): the bodySHA256 variant.",
    ),
    click.option(
        "--auth-token-env",
        metavar="VAR",
        help="Read the auth token from this variable instead of TWILIO_AUTH_TOKEN.",
    ),
    click.option(
        "--output",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
    ),
    sandbox_option,
    pass_options,
)


@click.group()
def webhook() -> None:
    """Sign or check an X-Twilio-Signature (offline: nothing is sent)."""


@webhook.command()
@_options
def sign(
    options: Options,
    url: str,
    params: list[tuple[str, str]],
    form: BinaryIO | None,
    body: Path | None,
    auth_token_env: str | None,
    output: str,
) -> None:
    """Print the X-Twilio-Signature Twilio would send to URL.

    \b
    Form webhooks:  webhook sign https://example.com/sms --param Body=Hi …
                    webhook sign https://example.com/sms --form body.txt
    JSON webhooks:  webhook sign https://example.com/hook --body event.json
    (the URL gains bodySHA256=…; send the request to that URL).
    """
    params = _exclusive(url, params, form, body)
    token = _token(options, auth_token_env)
    if body is not None:
        url = webhooks.url_for_body(url, body.read_bytes())
    value = webhooks.signature(url, params, token)
    if output == "json":
        click.echo(json.dumps({"url": url, "signature": value}, indent=2))
        return
    if body is not None:
        click.echo(f"URL: {url}")
    click.echo(f"{webhooks.HEADER}: {value}")


@webhook.command()
@click.option("--signature", "given", required=True, help="The header's value.")
@_options
def check(
    options: Options,
    url: str,
    given: str,
    params: list[tuple[str, str]],
    form: BinaryIO | None,
    body: Path | None,
    auth_token_env: str | None,
    output: str,
) -> None:
    """Check an X-Twilio-Signature: exit 0 if valid, 1 otherwise.

    Like Twilio's SDKs it accepts the URL with or without the scheme's
    standard port, and says which matched. On a mismatch it names the
    likely cause.
    """
    params = _exclusive(url, params, form, body)
    token = _token(options, auth_token_env)
    signed = body.read_bytes() if body is not None else params
    verdict = webhooks.check(url, signed, token, given)
    malformed = webhooks.signature_problem(given)
    if malformed and output == "text":
        raise TwilioIacError(malformed)
    if output == "json":
        data = {"valid": verdict.valid, "variant": verdict.variant or None}
        click.echo(json.dumps({**data, "causes": list(verdict.causes)}, indent=2))
        if not verdict.valid:
            raise click.exceptions.Exit(1)
        return
    if verdict.valid:
        click.echo(f"Valid: the signature matches {verdict.variant}.")
        return
    causes = "\n".join(f"  - {cause}" for cause in verdict.causes)
    raise TwilioIacError(
        f"The signature does not match this request. Likely causes:\n{causes}"
    )


def _exclusive(
    url: str, params: list[tuple[str, str]], form: BinaryIO | None, body: Path | None
) -> list[tuple[str, str]]:
    """The form parameters: --form's, then --param's (once the URL is one
    Twilio could request)."""
    problem = webhooks.url_problem(url)
    if problem:
        raise TwilioIacError(problem)
    if (params or form is not None) and body is not None:
        raise click.UsageError(
            "Give --param/--form (a form webhook) or --body (a JSON webhook), not both."
        )
    if form is None:
        return params
    raw = form.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TwilioIacError(
            f"--form: the body is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset "
            f"{exc.start}). Twilio sends form bodies as UTF-8, percent-encoded; pass "
            "the body exactly as received, not re-encoded by a tool on the way."
        ) from None
    return parse_qsl(text.strip(), keep_blank_values=True) + params


def _token(options: Options, variable: str | None) -> str:
    """The auth token that signs webhooks, never echoed."""
    if options.sandbox and variable is None:
        from twilio_iac.emulator import SANDBOX_AUTH_TOKEN

        return SANDBOX_AUTH_TOKEN
    name = variable or "TWILIO_AUTH_TOKEN"
    token = os.environ.get(name, "").strip()
    if token:
        logs.register_secret(token)
        return token
    if variable is not None:
        raise ConfigError(
            f"{name} is not set: --auth-token-env names an empty variable."
        )
    if os.environ.get("TWILIO_API_KEY") or os.environ.get("MATON_API_KEY"):
        raise ConfigError(
            "Twilio signs webhooks with the account's auth token, and the "
            "credentials in use are an API key (or the gateway's key), whose "
            "secret cannot sign. Set TWILIO_AUTH_TOKEN, or name the variable "
            "holding it with --auth-token-env."
        )
    raise ConfigError(
        "No auth token: set TWILIO_AUTH_TOKEN (the account's, from the Console), "
        "name another variable with --auth-token-env, or use --sandbox for "
        "webhooks the sandbox delivered."
    )
