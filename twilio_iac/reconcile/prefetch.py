"""Plan with the first pages in flight while the manifests are read and checked.

Which kinds to read, and for which account, is known for sure only once the
manifests are loaded; a glance at their top-level keys tells it almost always,
and costs next to nothing. The reads start on that guess; once the manifests
are loaded the guess is checked: kinds it missed are read then, kinds it
added are dropped after their first page. Only reads are sent early: a
manifest error still stops the run before anything is written.

The cyclic garbage collector is paused for the run (manifests/collector.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from twilio_iac.errors import AmbiguousLiveState, ManifestError
from twilio_iac.manifests import desired
from twilio_iac.manifests.collector import paused_gc
from twilio_iac.manifests.desired import Desired
from twilio_iac.model import Resource
from twilio_iac.reconcile import dedupe as duplicates
from twilio_iac.reconcile import live, selection, target
from twilio_iac.reconcile.plan import Plan
from twilio_iac.reconcile.workflow import make_plan
from twilio_iac.resources import REGISTRY, related_kinds

if TYPE_CHECKING:  # the client (and httpx) only for the verbs that talk
    from twilio_iac.api.client import TwilioClient

Live = Mapping[str, list[Resource]]
_TOP_KEY = re.compile(r"^([A-Za-z_]+)[ \t]*:(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Guess:
    kinds: frozenset[str]
    account_sid: str | None


def guess(
    paths: Sequence[Path], selected: tuple[str, ...] | None = None
) -> Guess | None:
    """The kinds and account the manifests are about, from their top-level
    keys (within ``selected``, when `--kinds` is given); None when that
    cannot be told without loading them."""
    kinds: set[str] = set()
    accounts: set[str] = set()
    try:
        for path in _files(paths):
            text = path.read_text(encoding="utf-8")
            for key, rest in _TOP_KEY.findall(text):
                if key in REGISTRY:
                    kinds.add(key)
                elif key == "prune":
                    kinds.update(REGISTRY)  # whichever kinds it names
                elif key == "account_sid":
                    value = rest.split("#")[0].strip().strip("\"'")
                    if not value.startswith("AC") or not value.isalnum():
                        return None  # interpolated or odd: wait for the load
                    accounts.add(value)
    except (OSError, UnicodeDecodeError):
        return None  # the load reports it properly
    if selected is not None:
        kinds &= set(selected)
    if not kinds or len(accounts) > 1:
        return None
    return Guess(frozenset(related_kinds(kinds)), next(iter(accounts), None))


def _files(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.iterdir() if p.suffix in (".yaml", ".yml")
            )
        else:
            yield path


def plan(
    paths: Sequence[Path],
    client: TwilioClient,
    hint: Guess,
    env: Mapping[str, str] | None = None,
    dedupe: bool = False,
    kinds: tuple[str, ...] | None = None,
) -> tuple[Desired, Plan] | None:
    """Load the manifests while live state is read; None when the manifests
    turn out to target another account than guessed (plan again without)."""
    with paused_gc():
        fetch = live.Fetch(client, client.account_sid, hint.kinds)
        try:
            wanted = desired.load(paths, env)
        except ManifestError as exc:
            fetch.close()
            raise type(exc)(
                exc.reasons, exc.headline, "nothing was changed on Twilio"
            ) from None
        except BaseException:
            fetch.close()
            raise
        if wanted.account_sid != hint.account_sid:
            fetch.close()
            return None
        reads = selection.reads(wanted, kinds)
        state = fetch.result(reads & hint.kinds)
        missing = reads - hint.kinds
        if missing:
            state |= live.fetch(client, client.account_sid, missing)
        return wanted, finish(wanted, client, state, dedupe, kinds)


def plan_loaded(
    wanted: Desired,
    client: TwilioClient,
    dedupe: bool = False,
    kinds: tuple[str, ...] | None = None,
) -> Plan:
    """The plan of manifests already loaded (when no guess could be made)."""
    target.check_manifests(wanted.account_sid, client)
    with paused_gc():
        state = live.fetch(client, client.account_sid, selection.reads(wanted, kinds))
        return finish(wanted, client, state, dedupe, kinds)


def finish(
    wanted: Desired,
    client: TwilioClient,
    state: Live,
    dedupe: bool,
    kinds: tuple[str, ...] | None = None,
) -> Plan:
    """make_plan, with the copies of --dedupe taken out and planned as deletes
    (within the kinds selected, if any). Without --dedupe the copies are only
    looked for when two live objects share an identity, to name the flag."""

    def copies() -> list[duplicates.Copies]:
        return [
            found
            for found in duplicates.find(wanted, state)
            if kinds is None or found.keep.kind in kinds
        ]

    def _tangled(exc: AmbiguousLiveState) -> AmbiguousLiveState:
        # --dedupe was asked for, and still two used copies remain: say why.
        found = duplicates.tangles(wanted, state)
        return duplicates.explain(exc, found) if found else exc

    found = copies() if dedupe else []
    if not found:
        try:
            return make_plan(wanted, client, state=state, kinds=kinds)
        except AmbiguousLiveState as exc:
            if dedupe:
                raise _tangled(exc) from exc
            found = copies()
            if not found:
                raise
            head = str(exc).splitlines()[0]
            raise AmbiguousLiveState(
                f"{head} {duplicates.hint(found)}", exc.reasons
            ) from exc
    try:
        result = make_plan(
            wanted, client, state=duplicates.without(state, found), kinds=kinds
        )
    except AmbiguousLiveState as exc:
        raise _tangled(exc) from exc
    return duplicates.add_deletes(result, found, state)
