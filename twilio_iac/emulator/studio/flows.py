"""Studio flows and their revisions (studio.twilio.com/v2).

Every save makes a new revision (1, 2, …), kept whole so that
``/Revisions/{n}`` reads what that save held. A published save of an invalid
definition is refused with 81022 and each widget's problem in ``details``; a
draft is stored as Twilio stores it, with ``valid: false`` and its ``errors``.
Flows belong to the account that created them; so do their revisions.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..http.actions import ActionCall, register_action
from ..http.kinds import Behaviour, Kind, register
from ..http.problems import ApiProblem, not_found
from ..store import Store
from . import rules

# "Invalid Flow definition" (https://www.twilio.com/docs/errors/81022).
INVALID_DEFINITION = 81022
FLOWS = "studio_flows"
REVISIONS = "studio_flow_revisions"
WEBHOOKS = "https://webhooks.twilio.com/v1/Accounts/{account}/Flows/{sid}"


def author_of(account_sid: str) -> str:
    """The sandbox's one user per account, who saves every revision."""
    return "US" + hashlib.sha256(f"{account_sid}:user".encode()).hexdigest()[:32]


def parsed(raw: Any) -> Any:
    """The Definition parameter as data: form values arrive as JSON text."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise _invalid(
            [{"message": f"is not JSON: {exc}", "property_path": "#"}]
        ) from None


def _invalid(errors: list[dict[str, str]]) -> ApiProblem:
    return ApiProblem(
        400,
        INVALID_DEFINITION,
        "Invalid Flow Definition",
        {"errors": errors, "warnings": []},
    )


class Flows(Behaviour):
    def on_create(self, store: Store, record: dict[str, Any], values: dict) -> None:
        values["Definition"] = parsed(values["Definition"])
        record.update(
            revision=1,
            author_sid=author_of(record["account_sid"]),
            webhook_url=WEBHOOKS.format(
                account=record["account_sid"], sid=record["sid"]
            ),
            warnings=[],
        )

    def on_update(self, store: Store, record: dict[str, Any], values: dict) -> None:
        if "Definition" in values:
            values["Definition"] = parsed(values["Definition"])
        # A commit message belongs to the revision it came with.
        values.setdefault("CommitMessage", None)
        record.update(revision=record["revision"] + 1)

    def on_write(self, store: Store, record: dict[str, Any], values: dict) -> None:
        errors = rules.problems(record["definition"])
        if errors and record["status"] == "published":
            raise _invalid(errors)
        record.update(valid=not errors, errors=errors)
        revision = {key: record.get(key) for key in REVISION_KIND.properties()}
        store.records(REVISIONS)[f"{record['sid']}/{record['revision']}"] = revision

    def on_delete(self, store: Store, record: dict[str, Any]) -> None:
        revisions = store.records(REVISIONS)
        for key in revisions.having("sid", record["sid"]):  # indexed, not a scan
            del revisions[key]


FLOW_KIND = register(
    Kind(
        name=FLOWS,
        api="studio",
        collection="/v2/Flows",
        instance="/v2/Flows/{Sid}",
        list_key="flows",
        prefix="FW",
        schema="studio.v2.flow",
        links={
            "test_users": "TestUsers",
            "revisions": "Revisions",
            "executions": "Executions",
        },
        behaviour=Flows(),
        # As the description's list example answers: fetch a flow for these.
        unlisted=frozenset({"definition", "valid", "errors", "warnings"}),
    )
)
# Served by the actions below: a revision's path names its flow's SID and a
# number (or LatestPublished/LatestRevision), not a SID of its own.
REVISION_KIND = register(
    Kind(
        name=REVISIONS,
        api="studio",
        collection="/v2/Flows/{Sid}/Revisions",
        instance="/v2/Flows/{Sid}/Revisions/{Revision}",
        list_key="revisions",
        prefix="FW",
        schema="studio.v2.flow.flow_revision",
        operations=frozenset(),
    )
)


def _flow(store: Store, call: ActionCall) -> dict[str, Any]:
    flow = store.records(FLOWS).get(call.ids["Sid"])
    if flow is None or flow["account_sid"] != call.account:
        raise not_found(call.path)
    return flow


def _revisions(store: Store, flow: dict[str, Any]) -> list[dict[str, Any]]:
    """The flow's revisions, newest first, as Twilio lists them."""
    revisions = store.records(REVISIONS)
    found = [revisions[key] for key in revisions.having("sid", flow["sid"])]
    return sorted(found, key=lambda r: r["revision"], reverse=True)


def _render_revision(call: ActionCall, revision: dict[str, Any]) -> dict[str, Any]:
    url = f"{call.base_url}/v2/Flows/{revision['sid']}/Revisions/"
    return {**revision, "url": url + str(revision["revision"])}


def fetch_revision(store: Store, call: ActionCall) -> dict[str, Any]:
    revisions = _revisions(store, _flow(store, call))
    wanted = call.ids["Revision"]
    if wanted == "LatestPublished":
        revisions = [r for r in revisions if r["status"] == "published"]
    elif wanted != "LatestRevision":
        revisions = [r for r in revisions if str(r["revision"]) == wanted]
    if not revisions:
        raise not_found(call.path)
    return _render_revision(call, revisions[0])


def list_revisions(store: Store, call: ActionCall) -> dict[str, Any]:
    revisions = _revisions(store, _flow(store, call))
    size = call.values.get("PageSize") or 50
    number = call.values.get("Page") or 0
    items = revisions[number * size : (number + 1) * size]
    base = call.base_url + call.path

    def page(n: int) -> str:
        return f"{base}?PageSize={size}&Page={n}"

    more = (number + 1) * size < len(revisions)
    return {
        "revisions": [_render_revision(call, r) for r in items],
        "meta": {
            "page": number,
            "page_size": size,
            "first_page_url": page(0),
            "previous_page_url": page(number - 1) if number else None,
            "next_page_url": page(number + 1) if more else None,
            "url": page(number),
            "key": "revisions",
        },
    }


def validate(store: Store, call: ActionCall) -> dict[str, Any]:
    errors = rules.problems(parsed(call.values["Definition"]))
    if errors:
        raise _invalid(errors)
    return {"valid": True}


register_action("POST", "/v2/Flows/Validate", validate)
register_action("GET", "/v2/Flows/{Sid}/Revisions", list_revisions)
register_action("GET", "/v2/Flows/{Sid}/Revisions/{Revision}", fetch_revision)
