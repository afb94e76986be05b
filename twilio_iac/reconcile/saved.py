"""`apply FILE`: a plan saved by `plan --out`, applied exactly as reviewed, so
the flags that make plans have no say in it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from twilio_iac.errors import PlanError
from twilio_iac.reconcile import planfile
from twilio_iac.reconcile.plan import Plan


def find(paths: Sequence[Path]) -> tuple[Path, Plan] | None:
    """The saved plan PATHs name, or None when they are manifests."""
    files = [p for p in paths if planfile.is_saved_plan(p)]
    if not files:
        return None
    if len(paths) > 1:
        raise PlanError(
            f"{files[0]} is a plan file; apply it on its own, without manifests."
        )
    return files[0], planfile.load(files[0])


def check_flags(
    path: Path,
    saved: Plan,
    kinds: tuple[str, ...] | None,
    dedupe: bool,
    read_ahead: bool,
) -> None:
    """Refuse flags that would change a saved plan."""
    if kinds is not None and kinds != saved.kinds:
        had = ", ".join(saved.kinds) if saved.kinds is not None else "every kind"
        raise PlanError(
            f"{path} was planned for {had}, and a saved plan is applied "
            "exactly as reviewed. Nothing was sent. Drop --kinds, or plan again "
            "with the kinds you mean."
        )
    if dedupe or read_ahead:
        flag = "--dedupe" if dedupe else "--read-ahead"
        raise PlanError(
            f"{flag} changes how a plan is made, and {path} is a plan already "
            "made: it is applied exactly as reviewed. Nothing was sent. Drop "
            f"{flag}, or pass it to `twilio-iac plan` when writing the plan."
        )
