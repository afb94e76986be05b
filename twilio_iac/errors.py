"""Every exception twilio-iac raises on purpose.

TwilioIacError                 cli prints str(exc), exits 1; traceback only with --debug
├── ConfigError                missing/invalid credentials or settings
├── ManifestError              .reasons: list[str] (each "file:line path: message")
│   ├── ManifestSyntaxError    YAML that does not parse
│   ├── SchemaError            every schema/semantic problem at once, each located
│   └── UnresolvedReference    reference to an undeclared (kind, name)
├── PlanError                  live state the manifests cannot be reconciled with
│   ├── UnsafePlan             guarded release/replace, refused without the flag
│   └── AmbiguousLiveState     two live objects share one identity
├── ApiError                   method, url, status, Twilio code/message/more_info
│   ├── AuthError              401/403
│   ├── NotFound               404
│   ├── RateLimited            429 after retries
│   └── TransportError         no HTTP response at all (DNS, refused, timeout)
└── ApplyError                 .applied, .failed, .pending changes
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class TwilioIacError(Exception):
    """Base class: its str() is the whole user-facing message."""


class ConfigError(TwilioIacError):
    pass


class ManifestError(TwilioIacError):
    headline = "The manifests have problems"

    def __init__(self, reasons: Sequence[str], headline: str | None = None) -> None:
        self.reasons = list(reasons)
        if headline:
            self.headline = headline
        super().__init__(self._message())

    def _message(self) -> str:
        count = len(self.reasons)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.headline} ({count} {noun}); nothing was changed on Twilio:"]
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


class ApiError(TwilioIacError):
    """A request Twilio answered with an error (or never answered)."""

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


class NotFound(ApiError):
    pass


class RateLimited(ApiError):
    pass


class TransportError(ApiError):
    pass


class OutcomeUnknown(ApiError):
    """A create that may have reached Twilio and did not show up: not resent."""


class ApplyError(TwilioIacError):
    """Apply stopped at the first failed call; nothing after it was attempted."""

    def __init__(
        self,
        applied: Sequence[str],
        failed: str,
        cause: Exception,
        pending: Sequence[str],
    ) -> None:
        self.applied = list(applied)
        self.failed = failed
        self.cause = cause
        self.pending = list(pending)
        lines = [f"Apply stopped: {failed} failed."]
        lines += ["  " + line for line in str(cause).splitlines()]
        lines.append(f"Applied before the failure ({len(self.applied)}):")
        lines += [f"  ✓ {item}" for item in self.applied] or ["  (none)"]
        lines.append(f"Not attempted ({len(self.pending)}):")
        lines += [f"  · {item}" for item in self.pending] or ["  (none)"]
        lines.append(
            "Run `twilio-iac plan` to see the remaining work, then apply again."
        )
        super().__init__("\n".join(lines))
