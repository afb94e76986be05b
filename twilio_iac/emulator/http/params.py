"""Check and convert request parameters against an operation's description.

Form values are strings on the wire; they come out typed (bool, int, str),
with an empty value meaning "clear the field" (None). Limits that the spec
states only in prose (Queue MaxSize, Verify CodeLength, ...) are listed here.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from twilio_iac.apis import CORE
from twilio_iac.numbering import impossible

from .problems import (
    INVALID_METHOD,
    INVALID_PARAMETER,
    PHONE_NUMBER_INVALID,
    VERIFY_INVALID_PARAMETER,
    bad_request,
)
from .spec import Operation

Form = dict[str, list[str]]

# (api, param) → (minimum, maximum), from the parameter descriptions.
RANGES: dict[tuple[str, str], tuple[int, int]] = {
    (CORE, "MaxSize"): (1, 5000),  # "The maximum is 5000."
    ("verify", "CodeLength"): (4, 10),  # "between 4 and 10, inclusive"
    ("verify", "Totp.TimeStep"): (20, 60),
    ("verify", "Totp.CodeLength"): (3, 8),
    ("verify", "Totp.Skew"): (0, 2),
    ("messaging", "ValidityPeriod"): (1, 36000),  # "an integer from `1` to `36,000`"
}
# (api, param) → maximum length, from the descriptions ("up to 64 characters").
LENGTHS: dict[tuple[str, str], int] = {
    (CORE, "FriendlyName"): 64,
    ("verify", "FriendlyName"): 32,
    ("messaging", "FriendlyName"): 64,
    ("trunking", "FriendlyName"): 64,
    ("taskrouter", "FriendlyName"): 64,
}
_PASSKEY_CHOICE = ("required", "preferred", "discouraged")
# (api, param) → allowed values that the descriptions list in prose only.
ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("taskrouter", "Template"): ("NONE", "FIFO"),  # "Can be: `NONE` or `FIFO`"
    (CORE, "ApiVersion"): ("2010-04-01", "2008-08-01"),
    ("verify", "Passkeys.AuthenticatorAttachment"): (
        "platform",
        "cross-platform",
        "any",
    ),
    ("verify", "Passkeys.DiscoverableCredentials"): _PASSKEY_CHOICE,
    ("verify", "Passkeys.UserVerification"): _PASSKEY_CHOICE,
    # "Possible values are `notifications`, `marketing`, ..."
    ("messaging", "Usecase"): (
        "notifications",
        "marketing",
        "verification",
        "discussion",
        "poll",
        "undeclared",
    ),
}
SEND_NUMBER_INVALID = {"To": 21211, "From": 21212}
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")


def dialable(number: str) -> bool:
    """E.164, of a length its country's numbers can have: Twilio's 21211
    ("Invalid 'To' Phone Number", messages and calls) covers "too few digits
    for the destination country" (www.twilio.com/docs/api/errors/21211), and
    Verify refuses such a To too."""
    return bool(E164.match(number)) and impossible(number) is None


_PHONE_FILTER = re.compile(r"^\+?[0-9*]{1,15}$")  # list filters allow partial and '*'
_INTEGER = re.compile(r"^-?[0-9]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def parse(op: Operation, form: Form) -> dict[str, Any]:
    """Typed values of every parameter in ``form``; ApiProblem on the first fault."""
    code = VERIFY_INVALID_PARAMETER if op.api == "verify" else INVALID_PARAMETER
    values: dict[str, Any] = {}
    for name, raw in form.items():
        schema = op.params.get(name)
        if schema is None:
            # Stricter than Twilio, which ignores unknown parameters (warning 20001).
            raise bad_request(code, f"Unknown parameter {name}")
        if schema.get("type") == "array":
            values[name] = [_value(op, name, schema, item, code) for item in raw]
        elif len(raw) > 1:
            raise bad_request(code, f"Parameter {name} was given {len(raw)} times")
        else:
            values[name] = _value(op, name, schema, raw[0], code)
    where = "query" if op.method == "GET" else "post body"
    for name in sorted(op.required):
        if values.get(name) is None:
            raise bad_request(code, f"Missing required parameter {name} in the {where}")
    for group in op.one_of:
        if all(values.get(name) is None for name in group):
            names = " or ".join(group)
            raise bad_request(
                code, f"Missing required parameter {names} in the {where}"
            )
    return values


def _value(
    op: Operation, name: str, schema: dict[str, Any], raw: str, code: int
) -> Any:
    if raw == "":
        return None
    kind = schema.get("type", "string")
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise bad_request(code, f"{name} must be true or false, not {raw!r}")
        return raw == "true"
    if kind == "integer":
        return _integer(op, name, schema, raw, code)
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            raise bad_request(code, f"{name} must be a number, not {raw!r}") from None
    _check_string(op, name, schema, raw, code)
    return raw


def _integer(
    op: Operation, name: str, schema: dict[str, Any], raw: str, code: int
) -> int:
    if not _INTEGER.match(raw):
        raise bad_request(code, f"{name} must be an integer, not {raw!r}")
    value = int(raw)
    low, high = RANGES.get((op.api, name), (None, None))
    low = schema.get("minimum", low)
    high = schema.get("maximum", high)
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise bad_request(code, f"{name} must be {bounds}, not {value}")
    return value


def _check_string(
    op: Operation, name: str, schema: dict[str, Any], raw: str, code: int
) -> None:
    choices = schema.get("enum") or ENUMS.get((op.api, name))
    if choices and raw not in choices:
        if schema.get("format") == "http-method" and op.api == CORE:
            code = INVALID_METHOD
        raise bad_request(
            code, f"{name} must be one of {', '.join(choices)}, not {raw!r}"
        )
    pattern = schema.get("pattern")
    if pattern and not re.search(pattern, raw):
        raise bad_request(code, f"{name} {raw!r} does not match {pattern}")
    limit = schema.get("maxLength") or LENGTHS.get((op.api, name))
    if limit and len(raw) > limit:
        raise bad_request(code, f"{name} must be at most {limit} characters long")
    fmt = schema.get("format")
    if not _format_ok(fmt, raw, op.method):
        if fmt == "phone-number" and op.api == CORE and op.method == "POST":
            # Sends answer "Invalid 'To'/'From' Phone Number"; 21421 is for
            # buying a number that is not valid.
            code = SEND_NUMBER_INVALID.get(name, PHONE_NUMBER_INVALID)
        raise bad_request(code, f"{name} {raw!r} is not a valid {fmt}")


def _format_ok(fmt: str | None, raw: str, method: str) -> bool:
    if fmt == "uri":
        parts = urlsplit(raw)
        if parts.scheme == "sip":  # trunk origination URLs: sip:host or sip://host
            return bool(parts.netloc or parts.path)
        return parts.scheme in ("http", "https") and bool(parts.netloc)
    if fmt == "phone-number":
        if method == "GET":
            return bool(_PHONE_FILTER.match(raw.removeprefix("whatsapp:")))
        # Messages take WhatsApp senders as "whatsapp:" + E.164.
        return bool(E164.match(raw.removeprefix("whatsapp:")))
    if fmt == "iso-country-code":
        return bool(_COUNTRY.match(raw))
    return True
