"""Content templates the sandbox knows, rendered into a message's body.

Twilio's Content API is not emulated: a send with ContentSid picks one of
TEMPLATES, and ContentVariables (a JSON object of "1", "2", … → text) fills
its placeholders; a variable not given keeps the template's sample value.
"""

from __future__ import annotations

import json
import re

from ..http.problems import bad_request

INVALID_CONTENT_SID = 21655  # "The ContentSid is Invalid"
INVALID_CONTENT_VARIABLES = 21656  # "The ContentVariables Parameter is invalid"

# SID → (friendly name, text, sample variables)
TEMPLATES: dict[str, tuple[str, str, dict[str, str]]] = {
    "HX" + "0" * 31 + "1": (
        "order_shipped",
        "Hi {{1}}, your order {{2}} has shipped and should arrive on {{3}}.",
        {"1": "there", "2": "#1001", "3": "Friday"},
    ),
    "HX" + "0" * 31 + "2": (
        "appointment_reminder",
        "Reminder: your appointment is on {{1}} at {{2}}. Reply C to confirm.",
        {"1": "Monday", "2": "10:00"},
    ),
    "HX" + "0" * 31 + "3": (
        "verification_code",
        "{{1}} is your verification code. For your security, do not share it.",
        {"1": "123456"},
    ),
}
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def render(sid: str, variables: str | None) -> str:
    """The body a template send carries; ApiProblem for an unknown template."""
    if sid not in TEMPLATES:
        raise bad_request(
            INVALID_CONTENT_SID,
            f"The ContentSid {sid} is invalid: no such approved content template",
        )
    _, text, samples = TEMPLATES[sid]
    given: dict[str, str] = {}
    if variables:
        try:
            given = json.loads(variables)
        except ValueError:
            given = None  # type: ignore[assignment]
        if not isinstance(given, dict):
            raise bad_request(
                INVALID_CONTENT_VARIABLES,
                "The ContentVariables parameter is invalid: it must be a JSON "
                'object such as {"1": "Alice"}',
            )
    values = {**samples, **{str(k): str(v) for k, v in given.items()}}
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
