"""export --all-accounts: every subaccount's manifests in DIR/<friendly_name>/,
and a fleet file naming them, to start managing an existing estate as a fleet.

Accounts are read several at once, each failing alone: an account that
cannot be read is reported and left out of the fleet file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from twilio_iac.errors import TwilioIacError
from twilio_iac.reconcile import export, live
from twilio_iac.reconcile.fleet import ACCOUNTS_PATH, FleetConnect

FLEET_FILE = "fleet.yaml"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Exported:
    friendly_name: str
    sid: str
    directory: str  # relative to DIR
    status: str = "active"
    files: list[export.ExportFile] = field(default_factory=list)
    error: TwilioIacError | None = None


def directories(records: Sequence[dict[str, Any]]) -> list[tuple[dict, str]]:
    """Each account with a directory name of its own: its friendly_name made
    safe for every file system, with the SID's end added when two collide."""
    taken: set[str] = set()
    named = []
    for record in records:
        base = _UNSAFE.sub("-", str(record.get("friendly_name") or "")).strip("-.")
        name = base or record["sid"]
        if name.casefold() in taken:
            name = f"{name}-{record['sid'][-8:]}"
        taken.add(name.casefold())
        named.append((record, name))
    return named


def export_all(
    connect: FleetConnect,
    kinds: tuple[str, ...],
    out: Path,
    parallelism: int,
    all_fields: bool = True,
) -> list[Exported]:
    with connect(None, None) as parent:
        records = [
            r
            for r in parent.list("core", ACCOUNTS_PATH, "accounts")
            if r["sid"] != parent.account_sid and r.get("status") != "closed"
        ]

    counts = Counter(str(r.get("friendly_name")).casefold() for r in records)

    def one(pair: tuple[dict, str]) -> Exported:
        record, directory = pair
        found = Exported(
            str(record.get("friendly_name")),
            record["sid"],
            directory,
            str(record.get("status") or "active"),
        )
        if counts[found.friendly_name.casefold()] > 1:
            # A fleet names each account once, by its friendly_name.
            found.error = TwilioIacError(
                f"{counts[found.friendly_name.casefold()]} subaccounts are named "
                f"{found.friendly_name!r}; a fleet names each account once. Not "
                "exported: rename all but one at Twilio, then export again."
            )
            return found
        try:
            with connect(found.sid, None) as client:
                state = live.fetch(client, found.sid, kinds)
            found.files = export.build(
                state, kinds, out / directory, found.sid, all_fields
            )
        except TwilioIacError as exc:
            found.error = exc
        return found

    pairs = directories(records)
    with ThreadPoolExecutor(max(1, min(parallelism, len(pairs)))) as pool:
        return list(pool.map(one, pairs))


def fleet_text(exported: Sequence[Exported]) -> str:
    """The fleet file: one entry per account read, pinned by SID."""
    accounts = [
        {"friendly_name": e.friendly_name, "sid": e.sid, "paths": [e.directory]}
        | ({"status": e.status} if e.status != "active" else {})
        for e in exported
        if e.error is None
    ]
    header = (
        "# Exported by `twilio-iac export --all-accounts`: one entry per "
        "subaccount,\n# pinned by SID. Shared settings can move into a base "
        "layer listed first in paths.\n"
    )
    body = yaml.safe_dump(
        {"accounts": accounts}, sort_keys=False, allow_unicode=True, width=1000
    )
    return header + body
