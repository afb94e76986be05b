"""Phone numbers as written by people: E.164 or national, checked offline.

A small numbering-plan table (calling code, country, national lengths, trunk
prefix) is enough to refuse what Lookup would call invalid and to print a
national format. The lookup command checks numbers with it before any request,
and the sandbox answers Lookup with it. Reasons are Lookup v2's own
validation_errors values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# calling code → (ISO country, shortest and longest national number, trunk prefix)
PLANS: dict[str, tuple[str, int, int, str]] = {
    "1": ("US", 10, 10, "1"),
    "27": ("ZA", 9, 9, "0"),
    "31": ("NL", 9, 9, "0"),
    "33": ("FR", 9, 9, "0"),
    "34": ("ES", 9, 9, ""),
    "39": ("IT", 6, 11, ""),
    "44": ("GB", 10, 10, "0"),
    "46": ("SE", 7, 9, "0"),
    "49": ("DE", 6, 11, "0"),
    "52": ("MX", 10, 10, ""),
    "55": ("BR", 10, 11, "0"),
    "61": ("AU", 9, 9, "0"),
    "65": ("SG", 8, 8, ""),
    "81": ("JP", 9, 10, "0"),
    "91": ("IN", 10, 10, "0"),
    "353": ("IE", 7, 9, "0"),
}
COUNTRIES = {country: code for code, (country, *_rest) in PLANS.items()}
COUNTRIES["CA"] = "1"
# Canadian area codes (a sample of the busiest) among the +1 numbers.
CANADA = frozenset(
    {"204", "236", "250", "289", "306", "343", "403", "416", "418", "437", "438"}
    | {"450", "506", "514", "519", "587", "604", "613", "647", "705", "709", "778"}
    | {"780", "807", "819", "825", "867", "873", "902", "905"}
)
REASONS = {
    "NOT_A_NUMBER": "it is not a phone number (only digits, spaces, dashes, dots "
    "and brackets after an optional +)",
    "INVALID_COUNTRY_CODE": "its country calling code is not one twilio-iac knows",
    "TOO_SHORT": "it is too short for its country",
    "TOO_LONG": "it is too long for its country",
    "INVALID_BUT_POSSIBLE": "North American area codes and exchanges cannot "
    "start with 0 or 1",
}
# Where the country dials a trunk prefix of 0, that 0 is never part of the
# number after +CC (+44 20…, not +44 020…).
_TRUNK_AFTER_CODE = (
    "after +{code} the national number never starts with the trunk prefix 0: "
    "write the number without its leading 0"
)
_SEPARATORS = re.compile(r"[\s\-.()/]")


@dataclass(frozen=True)
class Number:
    given: str
    errors: tuple[str, ...]  # Lookup's validation_errors; empty when valid
    e164: str | None = None  # "+" and digits, also for some invalid numbers
    country: str | None = None
    calling_code: str | None = None
    national: str | None = None  # the national significant number
    detail: str | None = None  # the reason, where REASONS' general one is wrong

    @property
    def valid(self) -> bool:
        return not self.errors

    def reason(self) -> str:
        return self.detail or "; ".join(REASONS[error] for error in self.errors)

    def national_format(self) -> str | None:
        if not self.valid or self.national is None or self.calling_code is None:
            return None
        digits = self.national
        if self.calling_code == "1":
            return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
        trunk = PLANS[self.calling_code][3]
        if trunk != "0":
            trunk = ""
        head, tail = digits[:4], digits[4:]
        return f"{trunk}{head} {tail}".strip()


def parse(text: str, country: str | None = None) -> Number:
    """A number in E.164 (``+14155550100``) or, with ``country``, national form."""
    compact = _SEPARATORS.sub("", text.strip())
    plus = compact.startswith("+")
    digits = compact[1:] if plus else compact
    if not digits.isdigit() or not digits.isascii():
        return Number(text, ("NOT_A_NUMBER",))
    if plus:
        code = next((digits[:n] for n in (1, 2, 3) if digits[:n] in PLANS), None)
        if code is None:
            return Number(text, ("INVALID_COUNTRY_CODE",), "+" + digits)
        national = digits[len(code) :]
    else:
        code = COUNTRIES.get((country or "US").upper())
        if code is None:
            return Number(text, ("INVALID_COUNTRY_CODE",))
        national = digits
        trunk = PLANS[code][3]
        # Dialled nationally the trunk prefix comes first; it is never part of
        # the number itself, whatever length is left.
        if trunk and national.startswith(trunk):
            national = national[len(trunk) :]
    iso, shortest, longest, trunk = PLANS[code]
    if code == "1" and national[:3] in CANADA:
        iso = "CA"
    e164 = f"+{code}{national}"
    if plus and trunk == "0" and national.startswith("0"):
        detail = _TRUNK_AFTER_CODE.format(code=code)
        return Number(text, ("INVALID_BUT_POSSIBLE",), e164, detail=detail)
    if len(national) < shortest:
        return Number(text, ("TOO_SHORT",), e164)
    if len(national) > longest:
        return Number(text, ("TOO_LONG",), e164)
    if code == "1" and (national[0] in "01" or national[3] in "01"):
        return Number(text, ("INVALID_BUT_POSSIBLE",), e164, iso, code, national)
    return Number(text, (), e164, iso, code, national)


# E.164 allows 15 digits after the +; the shortest numbers in use have 7 (Niue
# +683 and Saint Helena +290 have four-digit national numbers).
ANY_COUNTRY = (7, 15)


def impossible(text: str) -> str | None:
    """Why an E.164 ``text`` cannot be anyone's number, or None if it may be:
    not digits after a +, or too short or too long for its country (for a
    calling code outside the table, for any country). A number of a possible
    length that the plan calls invalid (a North American area code starting
    with 1) is left to the network to judge, as Twilio does when it accepts a
    send."""
    digits = text.removeprefix("+")
    if text[:1] != "+" or not digits.isdigit() or not digits.isascii():
        return "it is not + and digits (E.164)"
    code = next((digits[:n] for n in (1, 2, 3) if digits[:n] in PLANS), None)
    if code is None:
        where, length, (shortest, longest) = "the +", len(digits), ANY_COUNTRY
        numbers = "a number of any country has"
    else:
        iso, shortest, longest, _ = PLANS[code]
        where, length = f"+{code} ({iso})", len(digits) - len(code)
        numbers = "numbers there have"
    if shortest <= length <= longest:
        return None
    verdict = "too short" if length < shortest else "too long"
    span = f"{shortest}" if shortest == longest else f"{shortest} to {longest}"
    count = f"{length} digit" + ("" if length == 1 else "s")
    return f"it is {verdict}: {count} after {where}, where {numbers} {span}"
