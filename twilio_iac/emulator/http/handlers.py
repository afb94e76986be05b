"""Routing by path template, and list/create/fetch/update/delete over the store.

Routes come from the registered kinds; an operation must be both enabled on
the kind and described in the spec, and its parameters pass the spec's rules.
Each account sees only its own records. Paths under /Accounts/{AccountSid}
name the account: the caller's own, or, for the main account's auth token, one
of its subaccounts; every other path (Verify, Messaging, Trunking, …) acts on
the account whose credentials authenticated the request (caller.py). Actions
(usage records, verification checks) are paths that are no collection, each
with its own handler.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from twilio_iac.apis import CORE

from ..store import Store, followers
from .actions import ACTIONS, Action, ActionCall
from .caller import Caller, unauthenticated
from .kinds import KINDS, Kind, apply_values, new_record, render
from .pages import select, v2010_envelope, verify_envelope
from .params import Form, parse
from .problems import METHOD_NOT_ALLOWED, ApiProblem, not_emulated, not_found
from .spec import load

# (HTTP method, is the path an instance?) → operation name on a Kind.
OPERATIONS = {
    ("GET", False): "list",
    ("POST", False): "create",
    ("GET", True): "fetch",
    ("POST", True): "update",
    ("DELETE", True): "delete",
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    form: Form  # query string, plus the form body on POST
    base_url: str  # scheme://host of the request, for Verify's absolute URLs
    # Whose credentials authenticated it; None: the sandbox itself (the main
    # account's auth token).
    caller: Caller | None = None


@dataclass(frozen=True)
class Route:
    kind: Kind
    template: str
    instance: bool
    pattern: re.Pattern[str]


def _compile(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{regex}$")


@functools.cache
def routes() -> list[Route]:
    """Every registered kind's routes, compiled at the first request: the
    products register their kinds when the emulator package is imported
    (products.py), after this module."""
    return [
        Route(kind, template, instance, _compile(template))
        for kind in KINDS.values()
        for template, instance in ((kind.collection, False), (kind.instance, True))
    ]


def dispatch(store: Store, request: Request, now: datetime) -> tuple[int, Any]:
    """Status and JSON body (None for 204) of an authenticated API request."""
    action = _action(request.method, request.path)
    if action is not None:
        return _act(store, request, now, *action)
    route, ids = _match(request.method, request.path)
    kind = route.kind
    name = OPERATIONS.get((request.method, route.instance))
    op = load().operations.get((request.method, route.template))
    if name not in kind.operations or op is None:
        allowed = ", ".join(_allowed(route))
        raise ApiProblem(
            405,
            METHOD_NOT_ALLOWED,
            f"Method {request.method} not allowed; use {allowed}",
        )
    caller = caller_of(store, request)
    account = owning_account(store, caller, ids.get("AccountSid"), request.path)
    owner = _parent(store, kind, ids, request.path, account)
    values = parse(op, request.form)
    kind.behaviour.authorize(store, caller, name, ids, values)
    if name == "list":
        records = _scoped(store, kind, account, owner, caller)
        return op.status, _list(kind, store, records, request, values)
    if name == "create":
        record = create_record(kind, store, values, now, account, owner)
        return op.status, _render(kind, store, record, request)
    record = _scoped_record(store, kind, account, owner, ids["Sid"])
    if record is None:
        raise not_found(request.path)
    if name == "fetch":
        store.dirty |= kind.behaviour.on_fetch(store, record, now)
        return op.status, _render(kind, store, record, request)
    if name == "update":
        return op.status, _update(kind, store, record, request, values, now)
    kind.behaviour.on_delete(store, record)
    followers.removed(store, kind.name, record)
    del store.records(kind.name)[record["sid"]]
    return op.status, None


def caller_of(store: Store, request: Request) -> Caller:
    return request.caller or Caller(store.account_sid)


def owning_account(store: Store, caller: Caller, sid: str | None, path: str) -> str:
    """The account a request acts on: the caller's own (always, off the 2010
    API), or the subaccount a 2010 path names when the main account's auth
    token asks. A subaccount's credentials reach no other account; nor do the
    main account's API keys reach a subaccount, as at Twilio (twilio-csharp
    #577)."""
    if sid is None or sid == caller.account:
        return caller.account
    if caller.account != store.account_sid or caller.key:
        raise unauthenticated()
    account = store.records("accounts").get(sid)
    if account is None or account["owner_account_sid"] != store.account_sid:
        raise not_found(path)
    if account["status"] == "closed":
        raise not_found(path)
    return sid


def _parent(
    store: Store, kind: Kind, ids: dict[str, str], path: str, account: str
) -> dict:
    """The parent field a nested record carries ({} for top-level kinds);
    the parent must be the account's own."""
    if kind.parent is None:
        return {}
    param, parent_kind, field = kind.parent
    parent = store.records(parent_kind).get(ids[param])
    if parent is None or parent.get("account_sid", account) != account:
        raise not_found(path)
    return {field: ids[param]}


def _scoped(
    store: Store, kind: Kind, account: str, owner: dict, caller: Caller
) -> dict:
    """The records a path can see: its account's, under its parent."""
    records = store.records(kind.name)
    scope = {**_scope(kind, account, owner), **kind.behaviour.scope(store, caller)}
    return records.where(scope) if scope else records


def _scoped_record(
    store: Store, kind: Kind, account: str, owner: dict, sid: str
) -> dict | None:
    """The one record an instance path names, if that path can see it (looked
    up directly: filtering every record per request made a bulk apply O(n²))."""
    record = store.records(kind.name).get(sid)
    scope = _scope(kind, account, owner)
    return record if record is not None and _within(record, scope) else None


def _scope(kind: Kind, account: str, owner: dict) -> dict:
    if "{AccountSid}" in kind.collection or "account_sid" in kind.properties():
        return {**owner, "account_sid": account}
    return owner


def _within(record: dict, scope: dict) -> bool:
    return all(record.get(field) == value for field, value in scope.items())


def _action(method: str, path: str) -> tuple[Action, dict[str, str]] | None:
    allowed = []
    for action in ACTIONS:
        found = action.pattern.match(path)
        if found:
            if method == action.method:
                return action, found.groupdict()
            allowed.append(action.method)
    if allowed:
        raise ApiProblem(
            405,
            METHOD_NOT_ALLOWED,
            f"Method {method} not allowed; use {', '.join(allowed)}",
        )
    return None


def _act(
    store: Store, request: Request, now: datetime, action: Action, ids: dict
) -> tuple[int, Any]:
    # Media files (recording audio, message media) are served at paths the
    # descriptions do not list: they take no parameters and answer 200.
    op = load().operations.get((action.method, action.template))
    caller = caller_of(store, request)
    account = owning_account(store, caller, ids.get("AccountSid"), request.path)
    values = parse(op, request.form) if op else {}
    call = ActionCall(request.path, request.base_url, ids, account, values, now)
    return op.status if op else 200, action.handler(store, call)


def allowed_methods(path: str) -> list[str]:
    methods = [a.method for a in ACTIONS if a.pattern.match(path)]
    if methods:
        return methods
    route, _ = _match("GET", path)
    return _allowed(route)


def _match(method: str, path: str) -> tuple[Route, dict[str, str]]:
    for route in routes():
        found = route.pattern.match(path)
        if found:
            return route, found.groupdict()
    raise not_emulated(method, path)


def _allowed(route: Route) -> list[str]:
    return [
        method
        for (method, instance), name in OPERATIONS.items()
        if instance == route.instance and name in route.kind.operations
    ]


def _render(kind: Kind, store: Store, record: dict, request: Request) -> dict:
    shown = kind.behaviour.shown(store, record, caller_of(store, request))
    return render(kind, shown, request.base_url)


def _list(
    kind: Kind, store: Store, records: dict, request: Request, values: dict
) -> dict:
    ordered = list(records.values())
    if kind.newest_first:  # records are stored oldest first
        ordered.reverse()
    page = select(kind, ordered, values, request.form)
    items = [
        _render(kind, store, record, request) | dict.fromkeys(kind.unlisted)
        for record in page.items
    ]
    token = values.get("PageToken")
    if kind.api == CORE:
        return v2010_envelope(kind, request.path, page, items, token)
    return verify_envelope(kind, request.base_url + request.path, page, items, token)


def create_record(
    kind: Kind,
    store: Store,
    values: dict,
    now: datetime,
    account: str,
    owner: dict | None = None,
) -> dict:
    """A new record of ``kind`` under its rules, as a create request makes it
    (actions that create, such as the number subtypes, share it)."""
    record = new_record(kind, store, now, None, account)
    record.update(owner or {})
    kind.behaviour.on_create(store, record, values)
    apply_values(kind, record, values)
    kind.behaviour.on_write(store, record, values)
    followers.written(store, kind.name, record)
    store.records(kind.name)[record["sid"]] = record
    return record


def _update(
    kind: Kind,
    store: Store,
    record: dict,
    request: Request,
    values: dict,
    now: datetime,
) -> dict:
    # Work on a copy so that a refused update leaves the record untouched.
    updated = copy.deepcopy(record)
    kind.behaviour.on_update(store, updated, values)
    apply_values(kind, updated, values)
    kind.behaviour.on_write(store, updated, values)
    followers.written(store, kind.name, updated)
    updated["date_updated"] = kind.stamp(now)
    store.records(kind.name)[record["sid"]] = updated
    return _render(kind, store, updated, request)
