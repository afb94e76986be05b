"""A fleet's plan: every account of a fleet file planned in one run, several
at once, each failing alone.

The manifests of every account are loaded before anything is sent, so one
broken manifest refuses the whole fleet offline. Then the parent lists its
accounts once, each entry is matched to a live account by SID pin or by
friendly_name, and each account is planned as a single-account plan is
(run.py's steps), through its own client: a live failure (401, a suspended
account, a 5xx after retries) stops that account only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from twilio_iac.api.client import TwilioClient
from twilio_iac.errors import ManifestError, PlanError, TwilioIacError
from twilio_iac.manifests import desired
from twilio_iac.manifests.desired import Desired
from twilio_iac.manifests.fleet import Account
from twilio_iac.reconcile import planner, prefetch, selection
from twilio_iac.reconcile.plan import Plan
from twilio_iac.reconcile.run import PlanOptions

ACCOUNTS_PATH = "/2010-04-01/Accounts.json"
# What a plan for an account that apply has yet to create is made against:
# no SID exists yet; apply puts the new one in its place.
UNBORN = "AC" + "0" * 32


class FleetConnect(Protocol):
    """Opens a client for an account (None: the credentials' own), with the
    variables of the account's own API key when the fleet file names them."""

    def __call__(
        self, account_sid: str | None, key_vars: tuple[str, str] | None, /
    ) -> AbstractContextManager[TwilioClient]: ...


@dataclass(frozen=True)
class AccountChange:
    """What the plan does to the account itself."""

    action: str  # "create" | "update"
    friendly_name: str
    fields: tuple[tuple[str, Any, Any], ...] = ()  # (field, before, after)

    @property
    def closes(self) -> bool:
        return any(f == "status" and after == "closed" for f, _, after in self.fields)

    @property
    def data(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "friendly_name": self.friendly_name,
            "fields": [
                {"field": f, "before": before, "after": after}
                for f, before, after in self.fields
            ],
        }


@dataclass
class AccountPlan:
    account: Account
    sid: str | None  # None: apply creates the account
    plan: Plan | None = None  # None: not planned (failed, or nothing to plan)
    change: AccountChange | None = None
    error: TwilioIacError | None = None
    note: str | None = None  # why the resources were not planned
    files: tuple[str, ...] = ()
    client: TwilioClient | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.account.friendly_name

    @property
    def changed(self) -> bool:
        return self.change is not None or (
            self.plan is not None and not self.plan.empty
        )


@dataclass
class FleetPlan:
    parent_sid: str
    accounts: list[AccountPlan]
    # While under review: the parent's client (creates and closes accounts)
    # and what opens the client of an account apply creates.
    parent: TwilioClient | None = field(default=None, repr=False)
    opener: Opener | None = field(default=None, repr=False)

    @property
    def changed(self) -> bool:
        return any(a.changed for a in self.accounts)

    @property
    def failed(self) -> list[AccountPlan]:
        return [a for a in self.accounts if a.error is not None]


def load(
    accounts: Sequence[Account], env: Mapping[str, str], unset_ok: bool = False
) -> list[Desired]:
    """Every account's manifests, or one ManifestError naming every problem of
    every account: nothing is sent for a fleet with a broken manifest."""
    loaded: list[Desired] = []
    # A problem in a shared layer is one problem, however many accounts use it.
    reasons: dict[str, list[str]] = {}
    for account in accounts:
        try:
            loaded.append(desired.load(account.paths, env, unset_ok))
        except ManifestError as exc:
            for reason in exc.reasons:
                reasons.setdefault(reason, []).append(account.friendly_name)
    if reasons:
        raise ManifestError(
            [f"{reason} ({_names(names)})" for reason, names in reasons.items()],
            headline="The fleet's manifests have problems",
        )
    return loaded


def _names(names: list[str], shown: int = 3) -> str:
    more = len(names) - shown
    listed = ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")
    return f"account{'s' if len(names) > 1 else ''} {listed}"


def plan(
    accounts: Sequence[Account],
    connect: FleetConnect,
    options: PlanOptions,
    parallelism: int,
    on_account: Callable[[AccountPlan], None] | None = None,
) -> FleetPlan:
    with review(accounts, connect, options, parallelism, on_account) as planned:
        return planned


@contextmanager
def review(
    accounts: Sequence[Account],
    connect: FleetConnect,
    options: PlanOptions,
    parallelism: int,
    on_account: Callable[[AccountPlan], None] | None = None,
) -> Iterator[FleetPlan]:
    """The fleet's plan, each account's client kept open until the caller is
    done (apply writes through the session that read live state)."""
    wanted = load(accounts, options.env)
    with ExitStack() as stack:
        parent = stack.enter_context(connect(None, None))
        opener = Opener(connect, stack)
        live = parent.list("core", ACCOUNTS_PATH, "accounts")

        def one(pair: tuple[Account, Desired]) -> AccountPlan:
            found = _plan_account(pair[0], pair[1], live, opener, options)
            if on_account is not None:
                on_account(found)
            return found

        workers = max(1, min(parallelism, len(accounts)))
        with ThreadPoolExecutor(workers, thread_name_prefix="fleet") as pool:
            planned = list(pool.map(one, zip(accounts, wanted, strict=True)))
        yield FleetPlan(parent.account_sid, planned, parent, opener)


class Opener:
    """Opens clients from several threads, all closed with the stack."""

    def __init__(self, connect: FleetConnect, stack: ExitStack) -> None:
        self._connect = connect
        self._stack = stack
        self._lock = threading.Lock()

    def __call__(self, sid: str, key_vars: tuple[str, str] | None) -> TwilioClient:
        with self._lock:
            return self._stack.enter_context(self._connect(sid, key_vars))


def _plan_account(
    account: Account,
    wanted: Desired,
    live: list[dict[str, Any]],
    opener: Opener,
    options: PlanOptions,
) -> AccountPlan:
    try:
        record = match(account, live)
    except PlanError as exc:
        return AccountPlan(account, account.sid, error=exc)
    if record is None:
        return _unborn(account, wanted, options)
    result = AccountPlan(account, record["sid"], change=_update(account, record))
    status = record.get("status") or "active"
    if status != "active" or account.status in ("suspended", "closed"):
        unreadable = _unreadable(account, status)
        if unreadable is not None:
            result.error = unreadable
        else:
            result.note = _not_planned(status, account.status)
        return result
    try:
        client = opener(record["sid"], account.key_vars)
        result.client = client
        result.plan = prefetch.plan_loaded(
            wanted, client, options.dedupe, options.kinds
        )
        result.files = wanted.files
    except TwilioIacError as exc:
        result.error = exc
    return result


def match(account: Account, live: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The live account an entry names: by its SID pin, else by friendly_name."""
    if account.sid is not None:
        for record in live:
            if record.get("sid") == account.sid:
                return record
        raise PlanError(
            f"{account.friendly_name}: no account {account.sid} among those the "
            "credentials reach. Nothing was read from it. Fix or drop the `sid` pin."
        )
    same = [r for r in live if r.get("friendly_name") == account.friendly_name]
    open_ = [r for r in same if r.get("status") != "closed"]
    if len(open_) > 1:
        sids = ", ".join(sorted(r["sid"] for r in open_))
        raise PlanError(
            f"{account.friendly_name}: {len(open_)} live accounts have this "
            f"friendly_name ({sids}). Nothing was read. Pin one with `sid:`."
        )
    if open_:
        return open_[0]
    # Only closed ones: a closed account stays closed; a new one takes the name.
    if account.status == "closed" and same:
        return same[0]
    return None


def _update(account: Account, record: Mapping[str, Any]) -> AccountChange | None:
    fields = []
    if record.get("friendly_name") != account.friendly_name:
        fields.append(
            ("friendly_name", record.get("friendly_name"), account.friendly_name)
        )
    status = record.get("status") or "active"
    if account.status is not None and account.status != status:
        fields.append(("status", status, account.status))
    if not fields:
        return None
    return AccountChange("update", account.friendly_name, tuple(fields))


def _unreadable(account: Account, live: str) -> PlanError | None:
    """An account Twilio will not let be read, which the fleet expects
    readable: a failure of that account (the others go ahead)."""
    name, wanted = account.friendly_name, account.status
    if live == "closed" and wanted != "closed":
        return PlanError(
            f"{name}: account is closed at Twilio, which never reopens an account. "
            "Nothing was sent. Drop the entry (or its `sid` pin, to create a new "
            "account of this name), or set `status: closed`."
        )
    if live == "suspended" and wanted is None:
        return PlanError(
            f"{name}: account is suspended at Twilio, so its resources cannot be "
            "read. Nothing was sent. Set `status: active` to reactivate it, or "
            "`status: suspended` to leave it so."
        )
    return None


def _not_planned(live: str, wanted: str | None) -> str:
    if live == "closed":
        return "the account is closed: Twilio cannot reopen it"
    if wanted in ("suspended", "closed"):
        return f"the account is to be {wanted}: its resources are left as they are"
    return (
        f"the account is {live}: apply reactivates it first; plan again then "
        "to plan its resources"
    )


def _unborn(account: Account, wanted: Desired, options: PlanOptions) -> AccountPlan:
    """An account apply will create: everything it declares is a create."""
    if account.status == "closed":
        return AccountPlan(account, None, note="no such account, and none to create")
    change = AccountChange("create", account.friendly_name)
    if account.status == "suspended":
        change = replace(change, fields=(("status", None, "suspended"),))
    result = AccountPlan(account, None, change=change, files=wanted.files)
    if wanted.account_sid is not None:
        result.error = PlanError(
            f"{account.friendly_name}: the manifests name account "
            f"{wanted.account_sid}, but no live account has this friendly_name, "
            "so apply would create a new one. Nothing was sent. Drop "
            "`account_sid` from its manifests, or pin it with `sid:`."
        )
        return result
    if account.status != "suspended":
        kinds = options.kinds
        state = {kind: [] for kind in selection.reads(wanted, kinds)}
        result.plan = planner.plan(
            selection.narrow(wanted, kinds), state, UNBORN, kinds
        )
    return result
