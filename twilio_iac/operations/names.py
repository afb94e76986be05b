"""Names on the command line of one-off verbs, turned into numbers and SIDs.

``--from "Main line"`` resolves offline against the manifests (``-f PATH``) to
its E.164 number, or without manifests to the live number of that
friendly_name (``live_sender``, one filtered list request). An application or
Verify service may be given by SID, by a ``sid:`` its manifest entry declares,
or by friendly_name, looked up live (a read-only list request).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from twilio_iac.api.client import TwilioClient
from twilio_iac.errors import SendRejected, did_you_mean
from twilio_iac.manifests import desired
from twilio_iac.model import Resource
from twilio_iac.operations import listing
from twilio_iac.resources import REGISTRY


def needs_live(value: str, paths: Sequence[Path]) -> bool:
    """Is ``--from value`` a name that only the live account can resolve?"""
    return not paths and not value.startswith(("+", "whatsapp:"))


def live_sender(client: TwilioClient, value: str) -> str:
    """The E.164 number of the account's one number named ``value``."""
    rt = REGISTRY["phone_numbers"]
    path = rt.path(client.account_sid)
    # Twilio does not say whether the filter is exact, so matches are checked.
    found = client.list(rt.api, path, rt.list_key, {"FriendlyName": value})
    matches = [n["phone_number"] for n in found if n.get("friendly_name") == value]
    if len(matches) == 1:
        return matches[0]
    if matches:
        problem = f"{len(matches)} numbers have it ({', '.join(matches)})"
        hint = "; give the E.164 number instead"
    else:
        problem = "no number of the account has it"
        named = {
            str(n.get("friendly_name") or "")
            for n in client.list(rt.api, path, rt.list_key)
        }
        hint = did_you_mean(value, named)
    raise SendRejected(
        [
            f"--from {value!r} is not E.164, so it was taken as a number's "
            f"friendly_name, but {problem}{hint}"
        ]
    )


def sender(value: str, paths: Sequence[Path]) -> str:
    """An E.164/whatsapp: sender as is; else a number declared in the manifests
    (a name without manifests goes to ``live_sender``)."""
    if value.startswith(("+", "whatsapp:")) or not paths:
        return value
    declared = _declared(paths, "phone_numbers")
    for resource in declared:
        if value in (resource.name, resource.fields.get("friendly_name")):
            return resource.name
    named = {str(r.fields.get("friendly_name") or "") for r in declared}
    raise SendRejected(
        [
            f"--from {value!r} is neither a phone number nor the friendly_name of a "
            f"phone number declared in {_names(paths)}{did_you_mean(value, named)}"
        ]
    )


def sid(
    client: TwilioClient, kind: str, value: str, paths: Sequence[Path], flag: str
) -> str:
    """The SID of an application or Verify service named by SID or friendly_name."""
    rt = REGISTRY[kind]
    if listing.is_sid(value, rt.sid_prefix):
        return value
    if paths:
        declared = {r.name: r for r in _declared(paths, kind)}
        if value not in declared:
            raise SendRejected(
                [
                    f"{flag} {value!r}: no {rt.title} of that name is declared in "
                    f"{_names(paths)}{did_you_mean(value, declared)}"
                ]
            )
        if declared[value].sid:
            return declared[value].sid
    path = rt.path(client.account_sid)
    live = list(client.list(rt.api, path, rt.list_key))
    matches = [item["sid"] for item in live if item.get("friendly_name") == value]
    if len(matches) != 1:
        found = "none" if not matches else f"{len(matches)}: {', '.join(matches)}"
        named = {str(item.get("friendly_name") or "") for item in live}
        hint = "" if matches else did_you_mean(value, named)
        raise SendRejected(
            [
                f"{flag} {value!r} must name exactly one live {rt.title} by "
                f"friendly_name (found {found}); give its SID instead{hint}"
            ]
        )
    return matches[0]


def _declared(paths: Sequence[Path], kind: str) -> list[Resource]:
    wanted = desired.load(paths)
    return [r for key, r in wanted.resources.items() if key.kind == kind]


def _names(paths: Sequence[Path]) -> str:
    return ", ".join(str(p) for p in paths)
