"""Every exception twilio-iac raises on purpose.

TwilioIacError                 cli prints str(exc), exits 1; traceback only with --debug
├── ConfigError                missing/invalid credentials or settings
├── ManifestError              .reasons: list[str] (each "file:line path: message")
│   ├── ManifestSyntaxError    YAML that does not parse
│   ├── SchemaError            every schema/semantic problem at once, each located
│   └── UnresolvedReference    reference to an undeclared (kind, name)
├── PlanError                  live state the manifests cannot be reconciled with
│   ├── UnsafePlan             guarded release/replace, refused without the flag
│   ├── AmbiguousLiveState     two live objects share one identity
│   ├── StalePlan              a saved plan whose live state has changed since
│   └── AlreadyApplied         a saved plan live state already shows (exit 0)
├── ApiError                   method, url, status, Twilio code/message/more_info
│   ├── AuthError              401/403
│   ├── NotFound               404
│   ├── RateLimited            429 after retries
│   ├── TransportError         no HTTP response at all (DNS, refused, timeout)
│   ├── OutcomeUnknown         a create that may have landed; never resent
│   └── WrongAccount           an answer about another account than the target's
├── SendError                  a one-off send or look-up (message, call, Verify)
│   ├── SendRejected           refused offline, every problem at once; nothing sent
│   ├── SendUnconfirmed        no clear answer to the create; deliberately not resent
│   └── SendFailed             reached a failed final status (or --wait timed out)
├── UsageQueryError            flags that cannot make a usage query; nothing sent
└── SandboxError               what the twilio_sandbox fixture could not do for a test
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any


class TwilioIacError(Exception):
    """Base class: its str() is the whole user-facing message."""


class ConfigError(TwilioIacError):
    pass


class ManifestError(TwilioIacError):
    headline = "The manifests have problems"
    # plan --read-ahead may have read live state already; nothing else is sent.
    outcome = "nothing was sent to Twilio"

    def __init__(
        self,
        reasons: Sequence[str],
        headline: str | None = None,
        outcome: str | None = None,
    ) -> None:
        self.reasons = list(reasons)
        if headline:
            self.headline = headline
        if outcome:
            self.outcome = outcome
        super().__init__(self._message())

    def _message(self) -> str:
        count = len(self.reasons)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.headline} ({count} {noun}); {self.outcome}:"]
        lines += [f"  - {reason}" for reason in self.reasons]
        return "\n".join(lines)


class ManifestSyntaxError(ManifestError):
    headline = "A manifest is not valid YAML"


class SchemaError(ManifestError):
    pass


class UnresolvedReference(ManifestError):
    headline = "A manifest reference does not resolve to one declared object"


class PlanError(TwilioIacError):
    def __init__(self, message: str, reasons: Sequence[str] = ()) -> None:
        self.reasons = list(reasons)
        text = message + "".join(f"\n  - {r}" for r in self.reasons)
        super().__init__(text)


class UnsafePlan(PlanError):
    pass


class AmbiguousLiveState(PlanError):
    pass


class StalePlan(PlanError):
    pass


class AlreadyApplied(PlanError):
    """A saved plan whose result live state already shows: not an error for
    the user (the CLI exits 0), but nothing to apply either."""


class ApiError(TwilioIacError):
    """A request Twilio answered with an error (or never answered)."""

    details: dict[str, Any] | None = None  # the error body's details, if any

    def __init__(
        self,
        method: str,
        url: str,
        status: int | None,
        code: int | None = None,
        message: str = "",
        more_info: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.code = code
        self.message = message
        self.more_info = more_info
        self.hint = hint
        super().__init__(self._text())

    def _text(self) -> str:
        status = f"HTTP {self.status}" if self.status else "no response"
        code = f" (Twilio error {self.code})" if self.code else ""
        text = f"{self.method} {self.url} failed: {status}{code}: {self.message}"
        if self.more_info:
            text += f"\n  See {self.more_info}"
        if self.hint:
            text += f"\n  {self.hint}"
        return text

    def data(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "more_info": self.more_info,
        }


class AuthError(ApiError):
    pass


class WrongAccount(ApiError):
    """Twilio answered about another account than the one targeted: the
    credentials reached their own account instead (as every API but 2010's
    does for a subaccount). ``found`` and ``expected`` are both SIDs."""

    def __init__(
        self,
        method: str,
        url: str,
        status: int | None,
        found: str,
        expected: str,
        hint: str | None = None,
        message: str | None = None,
    ) -> None:
        self.found = found
        self.expected = expected
        message = message or (
            f"Twilio answered with records of account {found}, not of "
            f"{expected}, the account targeted"
        )
        super().__init__(method, url, status, message=message, hint=hint)

    def _text(self) -> str:
        # The request succeeded at HTTP level: "failed: HTTP 200" would mislead.
        text = f"{self.method} {self.url}: {self.message}"
        return f"{text}\n  {self.hint}" if self.hint else text


class NotFound(ApiError):
    pass


class RateLimited(ApiError):
    pass


class TransportError(ApiError):
    pass


class OutcomeUnknown(ApiError):
    """A create that may have reached Twilio and did not show up: not resent."""


class SendError(TwilioIacError):
    pass


class SendRejected(SendError):
    """A send (or look-up) refused before any request: every problem at once."""

    def __init__(self, problems: Sequence[str], headline: str = "Not sent") -> None:
        self.problems = list(problems)
        lines = [f"{headline}; nothing was sent to Twilio:"]
        super().__init__("\n".join(lines + [f"  - {p}" for p in self.problems]))


class SendUnconfirmed(SendError):
    """The create got no clear answer; it was deliberately not resent."""


class SendFailed(SendError):
    """The send reached a final status that is a failure (or --wait timed out)."""


class UsageQueryError(TwilioIacError):
    """Flags that cannot make a usage query; raised before any request."""


class SandboxError(TwilioIacError):
    """What the `twilio_sandbox` fixture (twilio_iac/testing/) could not do for a
    user's test: no webhook answer (Twilio's 11200/12100), no SDK, a bad time."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """ "; did you mean X?" for the choice closest to a mistyped word, or "".

    A unique choice the word begins (`line_typ` → line_type_intelligence) wins
    over spelling similarity, which favours short choices."""
    by_fold = {choice.casefold(): choice for choice in choices}
    folded = word.casefold()
    if not folded:
        return ""
    started = [c for c in by_fold if c.startswith(folded)]
    if len(started) == 1:
        return f"; did you mean {by_fold[started[0]]}?"
    match = difflib.get_close_matches(folded, list(by_fold), n=1)
    return f"; did you mean {by_fold[match[0]]}?" if match else ""
