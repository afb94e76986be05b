"""The shell lines that point a client at a served sandbox: every API's
base-URL variable (twilio_iac/apis.py) and the credentials to use.

A token the user brought (TWILIO_AUTH_TOKEN when the server was started) is
never printed: its line becomes a comment saying which one to keep. The
sandbox's own token is public and documented, so it is printed.
"""

from __future__ import annotations

import shlex

from ..apis import base_url_variables


def variables(url: str, account_sid: str, token: str | None) -> dict[str, str | None]:
    """Name → value; a None value is a token that must not be shown."""
    return {
        "TWILIO_ACCOUNT_SID": account_sid,
        "TWILIO_AUTH_TOKEN": token,
        **base_url_variables(url),
    }


def lines(
    url: str, account_sid: str, token: str | None, shell: str = "sh"
) -> list[str]:
    """One line per variable, in ``shell``'s syntax (all three take ``#``)."""
    shown = []
    for name, value in variables(url, account_sid, token).items():
        if value is None:
            shown.append(f"# {name}: keep the one this server was started with")
        else:
            shown.append(_assignment(shell, name, value))
    return shown


def _assignment(shell: str, name: str, value: str) -> str:
    if shell == "fish":
        return f"set -gx {name} {shlex.quote(value)}"
    if shell == "powershell":
        return f"$env:{name} = '{value.replace(chr(39), chr(39) * 2)}'"
    return f"export {name}={shlex.quote(value)}"
