"""What an apply did, step by step in plan order, for the final report and exit code."""

from __future__ import annotations

from dataclasses import dataclass, field

from twilio_iac.reconcile.executor import Outcome, Status


@dataclass(frozen=True)
class Duplicate:
    """A created identity that live state now holds more than once."""

    kind: str
    name: str
    sids: tuple[str, ...]  # oldest first
    ours: str  # the SID this apply created
    replaced: str | None = None  # the old copy of a replace whose delete did not run

    @property
    def left_by_replace(self) -> bool:
        """Only this apply's own unfinished replace explains the copies."""
        return self.replaced is not None and set(self.sids) == {
            self.ours,
            self.replaced,
        }


@dataclass
class ApplyReport:
    outcomes: list[Outcome]  # plan order
    retried_after_429: int = 0
    lowest_parallelism: int | None = None  # when 429s lowered writes in flight
    # Every created identity live state holds twice; see .duplicates and .leftovers.
    copies: list[Duplicate] = field(default_factory=list)
    signal: str | None = None  # "SIGINT" / "SIGTERM" when interrupted

    def having(self, status: Status) -> list[Outcome]:
        return [o for o in self.outcomes if o.status is status]

    @property
    def done(self) -> list[Outcome]:
        return self.having(Status.DONE)

    @property
    def failed(self) -> list[Outcome]:
        return self.having(Status.FAILED)

    @property
    def skipped(self) -> list[Outcome]:
        return self.having(Status.SKIPPED)

    @property
    def not_started(self) -> list[Outcome]:
        return self.having(Status.NOT_STARTED)

    @property
    def duplicates(self) -> list[Duplicate]:
        """Copies only another apply at the same time explains."""
        return [d for d in self.copies if not d.left_by_replace]

    @property
    def leftovers(self) -> list[Duplicate]:
        """Old copies of this apply's replaces whose delete did not run."""
        return [d for d in self.copies if d.left_by_replace]

    @property
    def ok(self) -> bool:
        return len(self.done) == len(self.outcomes) and not self.duplicates
