"""Routing by path template, and list/create/fetch/update/delete over the store.

Routes come from the registered kinds; an operation must be both enabled on
the kind and described in the spec, and its parameters pass the spec's rules.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import catalog  # noqa: F401  (registers the kinds)
from .kinds import KINDS, Kind, apply_values, new_record, render
from .pages import select, v2010_envelope, verify_envelope
from .params import Form, parse
from .problems import METHOD_NOT_ALLOWED, ApiProblem, not_found
from .spec import load
from .store import Store

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


@dataclass(frozen=True)
class Route:
    kind: Kind
    template: str
    instance: bool
    pattern: re.Pattern[str]


def _compile(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{regex}$")


def routes() -> list[Route]:
    return [
        Route(kind, template, instance, _compile(template))
        for kind in KINDS.values()
        for template, instance in ((kind.collection, False), (kind.instance, True))
    ]


ROUTES = routes()


def dispatch(store: Store, request: Request, now: datetime) -> tuple[int, Any]:
    """Status and JSON body (None for 204) of an authenticated API request."""
    route, ids = _match(request.path)
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
    if ids.get("AccountSid", store.account_sid) != store.account_sid:
        raise not_found(request.path)
    values = parse(op, request.form)
    records = store.records(kind.name)
    if name == "list":
        return op.status, _list(kind, records, request, values)
    if name == "create":
        return op.status, _create(kind, store, request, values, now)
    record = records.get(ids["Sid"])
    if record is None:
        raise not_found(request.path)
    if name == "fetch":
        return op.status, render(kind, record, request.base_url)
    if name == "update":
        return op.status, _update(kind, store, record, request, values, now)
    kind.behaviour.on_delete(store, record)
    del records[record["sid"]]
    return op.status, None


def allowed_methods(path: str) -> list[str]:
    route, _ = _match(path)
    return _allowed(route)


def _match(path: str) -> tuple[Route, dict[str, str]]:
    for route in ROUTES:
        found = route.pattern.match(path)
        if found:
            return route, found.groupdict()
    raise not_found(path)


def _allowed(route: Route) -> list[str]:
    return [
        method
        for (method, instance), name in OPERATIONS.items()
        if instance == route.instance and name in route.kind.operations
    ]


def _list(kind: Kind, records: dict, request: Request, values: dict) -> dict:
    page = select(kind, list(records.values()), values, request.form)
    items = [render(kind, record, request.base_url) for record in page.items]
    token = values.get("PageToken")
    if kind.api == "v2010":
        return v2010_envelope(kind, request.path, page, items, token)
    return verify_envelope(kind, request.base_url + request.path, page, items, token)


def _create(
    kind: Kind, store: Store, request: Request, values: dict, now: datetime
) -> dict:
    record = new_record(kind, store, now, None)
    kind.behaviour.on_create(store, record, values)
    apply_values(kind, record, values)
    kind.behaviour.on_write(store, record, values)
    store.records(kind.name)[record["sid"]] = record
    return render(kind, record, request.base_url)


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
    apply_values(kind, updated, values)
    kind.behaviour.on_write(store, updated, values)
    updated["date_updated"] = kind.stamp(now)
    store.records(kind.name)[record["sid"]] = updated
    return render(kind, updated, request.base_url)
