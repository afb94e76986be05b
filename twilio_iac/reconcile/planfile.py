"""Saved plans: `plan --out FILE` writes one; `apply FILE` applies exactly it.

The file is the plan's JSON (schemas/plan.schema.json) plus an `apply` section
with what execution needs at full fidelity (references as {"$ref": [kind,
name]}), the exact requests for reviewers, the live values the plan was
computed against, and a checksum so an edited file is refused. The checksum
catches accidents, not attackers: safety flags (which deletes release a phone
number) are re-derived from the resource definitions, never read from the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from twilio_iac import __version__, logs, urlauth
from twilio_iac.errors import PlanError
from twilio_iac.model import Ref
from twilio_iac.reconcile.applier import requests
from twilio_iac.reconcile.plan import (
    AddMember,
    Change,
    Create,
    Delete,
    FieldChange,
    MemberChange,
    Plan,
    Purchase,
    RemoveMember,
    Replace,
    SetMember,
    Update,
)
from twilio_iac.resources import REGISTRY
from twilio_iac.resources.pools import Children

_CLASSES: dict[str, type[Change]] = {
    cls.action: cls
    for cls in (
        Create,
        Purchase,
        Update,
        Replace,
        Delete,
        AddMember,
        RemoveMember,
        SetMember,
    )
}


def dumps(plan: Plan, manifests: list[str]) -> str:
    section = {
        "twilio_iac_version": __version__,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "manifests": manifests,
        "requests": _encode(requests(plan)),
        "changes": [_encode(_change_state(c)) for c in plan.changes],
        "sids": [
            {"kind": ref.kind, "name": ref.name, "sid": sid}
            for ref, sid in sorted(plan.sids.items())
        ],
        "observed": urlauth.mask_data(plan.observed),
        "live_counts": plan.live_counts,
        "ignore": plan.ignore,
    }
    # A live value may hold a credential; scrubbed, it no longer matches live
    # state, so applying the file is refused as stale rather than leaking.
    public, section = logs.scrub_data(plan.data), logs.scrub_data(section)
    section["checksum"] = _checksum(public, section)
    return json.dumps(public | {"apply": section}, indent=2, ensure_ascii=False)


# Every plan twilio-iac writes (--out, --output json) opens with this key, so
# a file that starts so but is not JSON is a plan that was damaged (cut off
# by a failed download or copy), not a manifest.
_PLAN_START = re.compile(r'\A\s*\{\s*"format_version"\s*:')


def is_saved_plan(path: Path) -> bool:
    """Whether ``path`` is a plan written by `plan --out` (else a manifest).

    A .json PATH may also be a manifest (JSON is YAML): only a document
    carrying the `apply` section is a saved plan. PlanError for a plan that
    is damaged, or one written by `plan --output json`, which cannot be
    applied: read as a manifest they would get a misleading YAML error.
    """
    if path.suffix != ".json" or not path.is_file():
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return False  # the manifest reader names what is wrong
    try:
        data = json.loads(text)
    except ValueError as exc:
        if _PLAN_START.match(text):
            raise _damaged(path, exc) from exc
        return False
    if isinstance(data, dict) and "format_version" in data and "apply" not in data:
        raise PlanError(
            f"{path} is the output of `plan --output json`, which is for reading "
            "and has no execution details. To apply a reviewed plan, save it "
            f"with `twilio-iac plan PATH... --out {path.name}` and apply that "
            "file. Nothing was sent."
        )
    return isinstance(data, dict) and "apply" in data


def written_by_plan(path: Path) -> bool:
    """Whether ``path`` holds a plan twilio-iac wrote, complete or damaged:
    what `plan --out` may overwrite (never a manifest, never anything else)."""
    try:
        return bool(_PLAN_START.match(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return False


def _damaged(path: Path, exc: ValueError) -> PlanError:
    where = f"{path}:{exc.lineno}" if isinstance(exc, json.JSONDecodeError) else path
    return PlanError(
        f"{where}: the saved plan is damaged (not complete JSON: it was cut off "
        "or edited). Nothing was sent. Download it again (e.g. the CI run's "
        f"artifact), or write the plan again with `twilio-iac plan PATH... --out "
        f"{path.name}` and review that one."
    )


def load(path: Path, env: Mapping[str, str] | None = None) -> Plan:
    """The saved plan, with the passwords of its URLs read again from ``env``
    (the environment by default): the file holds only their ``${VAR}``."""
    return parse(str(path), _parsed(path, _read(path)), env)


def _with_passwords(path: Path, plan: Plan, env: Mapping[str, str]) -> Plan:
    changes, missing = [], []
    for change in plan.changes:
        send = {}
        for name, value in change.send.items():
            if isinstance(value, str):
                value, unset = urlauth.resolve(value, env)
                if unset:
                    missing.append(f"{change.label} {name}: ${{{unset}}} is not set")
            send[name] = value
        changes.append(replace(change, send=send))
    if missing:
        raise PlanError(
            f"{path} takes the passwords of its URLs from the environment, and "
            "some are not set. Nothing was sent. Set them as they were when the "
            "plan was written, and apply again.",
            missing,
        )
    return replace(plan, changes=tuple(changes))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise PlanError(
            f"{path} cannot be read as a plan file ({type(exc).__name__}: {exc}). "
            "Nothing was sent."
        ) from exc


def _parsed(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        # A file that starts like a plan was cut off or edited, not mistaken.
        if _PLAN_START.match(text):
            raise _damaged(path, exc) from exc
        raise _not_a_plan(path, exc) from exc


def _verified(path: Path, data: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The public part and the apply section, once the checksum holds."""
    try:
        section = data["apply"]
    except (KeyError, TypeError) as exc:
        raise _not_a_plan(path, exc) from exc
    if not isinstance(data, dict) or not isinstance(section, dict):
        raise PlanError(
            f"{path} is not a plan file written by `twilio-iac plan --out`."
        )
    public = {k: v for k, v in data.items() if k != "apply"}
    body = {k: v for k, v in section.items() if k != "checksum"}
    if section.get("checksum") != _checksum(public, body):
        raise PlanError(
            f"{path} was changed after `twilio-iac plan --out` wrote it (its "
            "checksum does not match). Nothing was sent. Write the plan again "
            "and review that file."
        )
    return public, section


def _not_a_plan(path: Path, exc: Exception) -> PlanError:
    return PlanError(
        f"{path} is not a plan file written by `twilio-iac plan --out` "
        f"({type(exc).__name__}: {exc}). Nothing was sent."
    )


def _plan(public: dict[str, Any], section: dict[str, Any]) -> Plan:
    changes = tuple(
        _change(item, _decode(state))
        for item, state in zip(public["changes"], section["changes"], strict=True)
    )
    sids = {Ref(s["kind"], s["name"]): s["sid"] for s in section["sids"]}
    return Plan(
        account_sid=public["account_sid"],
        changes=changes,
        warnings=tuple(public.get("warnings", ())),
        sids=sids,
        observed=section["observed"],
        ignore={k: tuple(v) for k, v in section.get("ignore", {}).items()},
        kinds=tuple(public["kinds"]) if "kinds" in public else None,
    )


def _change_state(change: Change) -> dict[str, Any]:
    state: dict[str, Any] = {
        "fields": [[f.name, f.before, f.after, f.note] for f in change.fields],
        "send": change.send,
    }
    if isinstance(change, Create):
        state["purchase"] = change.purchase
    if isinstance(change, Delete):
        state["guarded"] = change.guarded
    if isinstance(change, Update) and change.overwrites:
        state["overwrites"] = change.overwrites
    if isinstance(change, MemberChange):
        # "held" is the saved plan format's key for a member change's own
        # state (from before pools had one name); kept so saved plans load.
        state["held"] = {
            "part": change.part,
            "member": change.member,
            "key": change.key,
            "target": change.target,
            "after": list(change.after),
            "moved": change.moved,
        }
    return state


def _change(item: dict[str, Any], state: dict[str, Any]) -> Change:
    cls = _CLASSES[item["action"]]
    rt = REGISTRY[item["kind"]]
    unknown = {f[0] for f in state["fields"]} | set(state["send"])
    member = state.get("held")
    if member is not None:
        if not issubclass(cls, MemberChange):
            raise ValueError(f"a {cls.action} change holds nothing")
        part = rt.parts_by_name.get(member["part"])
        fields = part.by_name if isinstance(part, Children) else rt.by_name
        # A document's change is shown per path: "configuration.task_routing…".
        unknown = {n for n in unknown if n.split(".")[0] not in _documents(fields)}
        unknown -= set(fields)
    else:
        unknown -= set(rt.by_name)
    if unknown:
        raise ValueError(f"{rt.kind} has no fields {sorted(unknown)}")
    extra: dict[str, Any] = {}
    if member is not None:
        extra = {
            "part": member["part"],
            "member": member["member"],
            "key": member["key"],
            "target": member["target"],
            "after": tuple(member["after"]),
            "moved": member["moved"],
        }
    # Safety flags come from the definitions, never from the file: a file can
    # be edited and its checksum recomputed, but not this code.
    elif cls in (Create, Purchase):
        # Creating a number buys it, whatever the file calls the change.
        cls = Create if rt.creatable else Purchase
    elif cls is Delete:
        extra["guarded"] = rt.guard_delete
    elif cls is Update and state.get("overwrites"):
        extra["overwrites"] = str(state["overwrites"])
    elif cls is Replace and (rt.guard_delete or not rt.creatable):
        # The planner never replaces these: the delete would release it.
        raise ValueError(f"a {rt.title} is never replaced (that would release it)")
    return cls(
        item["kind"],
        item["name"],
        item["sid"],
        tuple(FieldChange(*f) for f in state["fields"]),
        state["send"],
        tuple(item.get("notes", ())),
        **extra,
    )


def _encode(value: Any) -> Any:
    if isinstance(value, str):
        return urlauth.template(value)  # never a URL's password
    if isinstance(value, Ref):
        return {"$ref": [value.kind, value.name]}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$ref"}:
            return Ref(*value["$ref"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _checksum(public: dict[str, Any], section: dict[str, Any]) -> str:
    canonical = json.dumps([public, section], sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def parse(where: str, data: Any, env: Mapping[str, str] | None = None) -> Plan:
    """A plan ``dumps`` wrote, already read as JSON (a fleet plan holds one per
    account); ``where`` names it in errors."""
    path = Path(where)
    public, section = _verified(path, data)
    try:
        plan = _plan(public, section)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PlanError(
            f"{where} is not a plan this version of twilio-iac can apply "
            f"({type(exc).__name__}: {exc}). Nothing was sent. Write the plan again."
        ) from exc
    return _with_passwords(path, plan, os.environ if env is None else env)


def _documents(fields: Mapping[str, Any]) -> set[str]:
    return {name for name, f in fields.items() if f.type == "json"}
