"""Deletes and redactions of many records: one outcome per SID, never a retry
of a refusal, and Twilio's refusals explained with what to do next."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from twilio_iac.errors import ApiError, SendRejected
from twilio_iac.operations import listing

# Twilio error code → (meaning, what to do next), per kind of record.
REFUSALS: Mapping[str, Mapping[int, str]] = {
    "message": {
        20009: "Twilio deletes a message only once it has a final status (it "
        "is still queued, sending or waiting for a delivery receipt). Check it "
        "with `messages show SID` and delete it when it is delivered, "
        "undelivered or failed",
        20404: "no such message in this account (already deleted, or another "
        "account's SID); nothing to do",
        30409: "only a scheduled message can be canceled",
    },
    "call": {
        20009: "Twilio deletes only calls that have ended. End it first with "
        "`calls update SID --hangup` (or --cancel while it rings), then delete it",
        20404: "no such call in this account (already deleted, or another "
        "account's SID); nothing to do",
        21220: "the call is no longer live, so it cannot be ended or redirected",
    },
    "recording": {
        20404: "no such recording in this account (already deleted, or another "
        "account's SID); nothing to do",
    },
}


@dataclass(frozen=True)
class Outcome:
    sid: str
    ok: bool
    detail: str = ""  # for a failure: Twilio's code and message, and the meaning
    code: int | None = None


def sids(values: Iterable[str], pattern: str, noun: str) -> list[str]:
    """SIDs in order, duplicates dropped; SendRejected naming every malformed one."""
    found: list[str] = []
    problems = []
    for value in values:
        if not listing.is_sid(value, pattern):
            problems.append(f"{value!r} is not a {noun} SID")
        elif value not in found:
            found.append(value)
    if problems:
        raise SendRejected(problems, headline="Nothing done")
    if not found:
        raise SendRejected(
            [f"give at least one {noun} SID, or - to read them from standard input"],
            headline="Nothing done",
        )
    return found


def run(
    what: str, targets: Iterable[str], act: Callable[[str], object]
) -> Iterator[Outcome]:
    """Act on each SID in turn; a refusal is reported and the next one tried."""
    for target in targets:
        try:
            act(target)
        except ApiError as error:
            yield Outcome(target, False, explain(what, error), error.code)
        else:
            yield Outcome(target, True)


def explain(what: str, error: ApiError) -> str:
    status = f"HTTP {error.status}" if error.status else "no response"
    code = f", Twilio error {error.code}" if error.code else ""
    text = f"{status}{code}: {error.message}"
    meaning = REFUSALS.get(what, {}).get(error.code or 0)
    if meaning:
        text += f". {meaning[:1].upper()}{meaning[1:]}."
    elif error.hint:
        text += f". {error.hint}"
    if error.more_info:
        text += f" See {error.more_info}"
    return text
