"""Execute a Plan: its POST and DELETE calls as a dependency graph (graph.py),
up to ``parallelism`` at once, each step failing only the steps that need it.

References are sent as SIDs: those of existing objects come with the plan,
those of objects created earlier in this run are filled in as creates land.
After the writes, the kinds created in are read again to check that every
identity created is unique: two applies of one set of manifests at the same
moment would otherwise each create everything, and both succeed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import structlog

from twilio_iac.api.throttle import WriteGate
from twilio_iac.errors import NotFound, TwilioIacError
from twilio_iac.model import Ref, map_refs
from twilio_iac.reconcile import graph
from twilio_iac.reconcile.executor import Executor, Outcome, Status
from twilio_iac.reconcile.graph import Step, child_ref
from twilio_iac.reconcile.plan import (
    Change,
    Create,
    MemberChange,
    Plan,
    Replace,
    Update,
)
from twilio_iac.reconcile.pools import writes as pool_writes
from twilio_iac.reconcile.report import ApplyReport, Duplicate
from twilio_iac.resources import REGISTRY, ResourceType, studio_flows
from twilio_iac.resources.base import STAMP
from twilio_iac.resources.pools import Children

log = structlog.get_logger(__name__)

DEFAULT_PARALLELISM = 10
# The result of a delete whose object was gone already (Twilio answered 404).
GONE = "already deleted elsewhere (404)"


class Writer(pool_writes.Writer, Protocol):
    """What apply needs of the client beyond member changes' writes: the write
    gate, its retry count, lists for look-ups, and a way to cut waits short."""

    writes: WriteGate
    retried_after_429: int

    def list(self, api: str, path: str, list_key: str) -> list[dict[str, Any]]: ...
    def interrupt(self) -> None: ...


def steps(plan: Plan) -> list[Step]:
    return graph.ordered_steps(plan)


def requests(plan: Plan) -> list[dict[str, Any]]:
    """The calls apply will make, for reviewers; unknown SIDs stay references."""
    made = {
        Ref(c.kind, c.name) for c in plan.changes if isinstance(c, (Create, Replace))
    }
    known = {ref: sid for ref, sid in plan.sids.items() if ref not in made}
    calls = []
    for step in steps(plan):
        change, rt = step.change, REGISTRY[step.change.kind]
        if isinstance(change, MemberChange):
            method, api, path, params = pool_writes.request(
                change, plan.account_sid, known, lenient=True
            )
            calls.append(_call(step, method, api, path, params))
            continue
        if step.phase == "delete":
            method, path, params = "DELETE", rt.path(plan.account_sid, change.sid), {}
        elif isinstance(change, Update):
            method, path = "POST", rt.path(plan.account_sid, change.sid)
            params = _params(rt, change.send, known, plan, lenient=True)
        else:
            method, path = "POST", rt.path(plan.account_sid)
            params = _params(rt, change.send, known, plan, lenient=True)
        calls.append(_call(step, method, rt.api, path, params))
    return calls


def _call(
    step: Step, method: str, api: str, path: str, params: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "step": step.label,
        "method": method,
        "api": api,
        "path": path,
        "params": params,
    }


class Apply:
    """One run of a plan; stop() (from a signal handler) ends it early."""

    def __init__(
        self,
        plan: Plan,
        client: Writer,
        *,
        parallelism: int = DEFAULT_PARALLELISM,
        fail_fast: bool = False,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.plan = plan
        self.client = client
        self.graph = graph.build(plan)
        self._known = dict(plan.sids)
        self._lock = threading.Lock()
        self._on_outcome = on_outcome
        client.writes.reset(parallelism)
        self._executor = Executor(
            self.graph,
            self._run,
            parallelism,
            fail_fast=fail_fast,
            on_outcome=self._outcome,
        )

    def stop(self) -> None:
        """Start no new step; cut short the waits of those in flight."""
        self._executor.stop()
        self.client.interrupt()

    def run(self) -> ApplyReport:
        retried_before = self.client.retried_after_429
        outcomes = self._executor.run()
        gate = self.client.writes
        report = ApplyReport(
            outcomes,
            retried_after_429=self.client.retried_after_429 - retried_before,
            lowest_parallelism=gate.lowest if gate.lowest < gate.ceiling else None,
        )
        try:
            report.copies = self._duplicates(outcomes)
        except TwilioIacError as exc:
            # The writes are done; say the check could not run, keep the report.
            log.warning("apply.duplicates_unchecked", error=str(exc).splitlines()[0])
        return report

    def _outcome(self, outcome: Outcome) -> None:
        change = outcome.step.change
        fields = {
            "step": outcome.step.label,
            "kind": change.kind,
            "name": change.name,
            "sid": outcome.result or change.sid,
        }
        if outcome.status is Status.DONE:
            log.info("change.applied", **fields)
        elif outcome.status is Status.FAILED:
            log.warning("change.failed", **fields, error=type(outcome.error).__name__)
        elif outcome.status is Status.SKIPPED and outcome.because is not None:
            log.warning("change.skipped", **fields, because=outcome.because.label)
        if self._on_outcome is not None:
            self._on_outcome(outcome)

    def _run(self, step: Step) -> str | None:
        change = step.change
        # The HTTP log lines of this step (retries, 429s) say which step.
        with structlog.contextvars.bound_contextvars(
            step=step.label, kind=change.kind, name=change.name
        ):
            return self._write(step)

    def _write(self, step: Step) -> str | None:
        change = step.change
        rt = REGISTRY[change.kind]
        account_sid = self.plan.account_sid
        if isinstance(change, MemberChange):
            with self._lock:
                known = dict(self._known)
            made = pool_writes.run(change, self.client, account_sid, known)
            child = child_ref(change)
            if child is not None and made:
                with self._lock:  # what a later flow's definition may name
                    self._known[child] = str(made)
            return made
        if step.phase == "delete":
            try:
                self.client.delete(rt.api, rt.path(account_sid, change.sid))
            except NotFound:
                # Gone already (another apply, the Console): the goal is reached.
                log.info("change.already_gone", sid=change.sid)
                return GONE
            return None
        self._learn_children(change)
        with self._lock:
            params = _params(rt, change.send, self._known, self.plan)
            seen = set(self._known.values())
        if isinstance(change, Update):
            self.client.update(rt.api, rt.path(account_sid, change.sid), params)
            return None
        finder = _finder(self.client, rt, account_sid, change.name, change.sid, seen)
        record = self.client.create(
            rt.api, rt.path(account_sid), params, find_existing=finder
        )
        with self._lock:
            self._known[Ref(change.kind, change.name)] = record["sid"]
        return str(record["sid"])

    def _learn_children(self, change: Change) -> None:
        """SIDs of the nested objects this change names that the run does not
        know yet: those Twilio made with an owner this run created (a new
        workspace's own task channels), read from the owner once it exists."""
        with self._lock:
            missing = [
                ref
                for ref in graph.refs_in(list(change.send.values()))
                if "." in ref.kind and ref not in self._known
            ]
            owners = dict(self._known)
        for ref in missing:
            kind, _, part = ref.kind.partition(".")
            owner, _, identity = ref.name.partition("/")
            owner_sid = owners.get(Ref(kind, owner))
            spec = REGISTRY[kind].parts_by_name.get(part)
            if owner_sid is None or not isinstance(spec, Children):
                continue  # unknown: _params says which reference is missing
            owner_rt = REGISTRY[kind]
            path = spec.path(owner_rt.path(self.plan.account_sid, owner_sid))
            for record in self.client.list(owner_rt.api, path, spec.list_key):
                if str(record.get(spec.identity)) == identity:
                    with self._lock:
                        self._known[ref] = str(record["sid"])

    def _duplicates(self, outcomes: list[Outcome]) -> list[Duplicate]:
        """Identities this run created that live state now holds twice."""
        created: dict[str, dict[str, str]] = defaultdict(dict)
        for o in outcomes:
            creating = isinstance(o.step.change, (Create, Replace))
            # A phone number is bought, not created: Twilio cannot hold it twice.
            twice = REGISTRY[o.step.change.kind].creatable
            if (
                o.status is Status.DONE
                and o.step.phase == "write"
                and creating
                and twice
            ):
                created[o.step.change.kind][o.step.change.name] = o.result
        # A replace whose old copy's delete did not run leaves that copy beside
        # ours: the next plan finishes it, so it is no sign of another apply.
        deleted = {
            o.step.change.sid
            for o in outcomes
            if o.step.phase == "delete" and o.status is Status.DONE
        }
        unfinished = {
            (o.step.change.kind, o.step.change.name): o.step.change.sid
            for o in outcomes
            if isinstance(o.step.change, Replace)
            and o.step.phase == "write"
            and o.step.change.sid not in deleted
        }
        found = []
        for kind, names in sorted(created.items()):
            rt = REGISTRY[kind]
            records = self.client.list(
                rt.api, rt.path(self.plan.account_sid), rt.list_key
            )
            by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for record in records:
                by_name[str(record.get(rt.identity) or "")].append(record)
            counts = Counter({name: len(by_name[name]) for name in names})
            for name, count in sorted(counts.items()):
                if count > 1:
                    # Twilio lists oldest first; keep its order.
                    sids = tuple(str(r["sid"]) for r in by_name[name])
                    old = unfinished.get((kind, name))
                    dup = Duplicate(kind, name, sids, names[name], old)
                    found.append(dup)
                    if not dup.left_by_replace:
                        log.warning("apply.duplicate", kind=kind, name=name, sids=sids)
        return found


def apply(
    plan: Plan,
    client: Writer,
    progress: Callable[[Outcome], None] | None = None,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    fail_fast: bool = False,
) -> ApplyReport:
    """Run every step it can; the report says what happened to each."""
    run = Apply(
        plan,
        client,
        parallelism=parallelism,
        fail_fast=fail_fast,
        on_outcome=progress,
    )
    return run.run()


def _params(
    rt: ResourceType,
    send: Mapping[str, Any],
    known: Mapping[Ref, str],
    plan: Plan,
    lenient: bool = False,
) -> dict[str, Any]:
    params = {}
    for name, value in send.items():
        f = rt.by_name[name]
        if f.type == "json":
            value = json.dumps(_sids(value, known, lenient), ensure_ascii=False)
        elif isinstance(value, Ref) and (value in known or not lenient):
            value = known[value]
            if f.type == "uri":  # a number's voice_flow: the flow's webhook URL
                value = studio_flows.webhook_url(plan.account_sid, value)
        params[f.request_param] = value
    if rt.stamped:
        message = send.get(rt.stamped) or f"plan {plan_digest(plan)}"
        params[rt.by_name[rt.stamped].request_param] = STAMP + str(message)
    return params


def _sids(value: Any, known: Mapping[Ref, str], lenient: bool) -> Any:
    """Structured data with each Ref replaced by its SID."""
    return map_refs(
        value, lambda ref: known[ref] if ref in known or not lenient else str(ref)
    )


def plan_digest(plan: Plan) -> str:
    """A short fingerprint of the plan, stamped into what apply saves."""
    canonical = json.dumps(plan.data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _finder(
    client: Writer,
    rt: ResourceType,
    account_sid: str,
    name: str,
    old: str | None,
    seen: set[str],
) -> Callable[[], dict[str, Any] | None]:
    """After an ambiguous create, look for the object it may have made."""

    def find() -> dict[str, Any] | None:
        for record in client.list(rt.api, rt.path(account_sid), rt.list_key):
            sid = record.get("sid")
            if record.get(rt.identity) == name and sid != old and sid not in seen:
                return record
        return None

    return find
