"""Concurrent apply against the in-process emulator: ordering under random
delays, throttling, failure isolation and exactly-once creates.

Every ordering claim is read from the emulator's request log (when each
request arrived and was answered), not from the applier's own account.
"""

from __future__ import annotations

import random
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS, Emulator
from twilio_iac.emulator import app as emulator_app
from twilio_iac.emulator.app import LoggedRequest
from twilio_iac.manifests import desired
from twilio_iac.reconcile import applier
from twilio_iac.reconcile.executor import Status
from twilio_iac.reconcile.plan import Plan
from twilio_iac.reconcile.report import ApplyReport
from twilio_iac.reconcile.workflow import make_plan
from twilio_iac.render import apply as apply_render

BEFORE = """
applications:
  - friendly_name: old-app
  - friendly_name: main-app
addresses:
  - friendly_name: HQ
    customer_name: Example Inc
    street: 1 Main St
    city: San Francisco
    region: CA
    postal_code: "94105"
    iso_country: US
phone_numbers:
  - phone_number: "+14155550100"
    address: HQ
    voice_application: main-app
  - phone_number: "+14155550101"
    voice_application: old-app
  - phone_number: "+14155550102"
    voice_application: main-app
"""

# A new application two numbers move to, the old one pruned, and the address
# replaced (a new country), which re-points the number that uses it.
AFTER = """
prune: [applications]
applications:
  - friendly_name: main-app
  - friendly_name: new-app
addresses:
  - friendly_name: HQ
    customer_name: Example Inc
    street: 1 Main St
    city: Toronto
    region: "ON"
    postal_code: M5H 2N2
    iso_country: CA
phone_numbers:
  - phone_number: "+14155550100"
    address: HQ
    voice_application: main-app
  - phone_number: "+14155550101"
    voice_application: new-app
  - phone_number: "+14155550102"
    voice_application: new-app
"""


def _client(emulator: Emulator, **kwargs: Any) -> TwilioClient:
    settings = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
    kwargs.setdefault("sleep", lambda _s: None)
    return TwilioClient(settings, app=emulator, **kwargs)


def _plan(client: TwilioClient, tmp_path: Path, manifest: str) -> Plan:
    path = tmp_path / "twilio.yaml"
    path.write_text(textwrap.dedent(manifest).lstrip(), encoding="utf-8")
    return make_plan(desired.load([path], env={}), client)


def _apply(
    client: TwilioClient, tmp_path: Path, manifest: str, parallelism: int = 10
) -> ApplyReport:
    report = applier.apply(
        _plan(client, tmp_path, manifest), client, parallelism=parallelism
    )
    return report


def _one(
    log: list[LoggedRequest], method: str, suffix: str, **params: str
) -> LoggedRequest:
    found = [
        r
        for r in log
        if r.method == method
        and r.path.endswith(suffix)
        and r.status < 300
        and all((k, v) in r.params for k, v in params.items())
    ]
    assert len(found) == 1, (method, suffix, params, found)
    return found[0]


def _sid(emulator: Emulator, kind: str, field: str, value: str) -> str:
    return next(r["sid"] for r in emulator.records(kind) if r.get(field) == value)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_dependencies_hold_under_random_delays(tmp_path: Path, seed: int) -> None:
    emulator = Emulator()
    with _client(emulator) as client:
        assert _apply(client, tmp_path, BEFORE).ok
        old_app = _sid(emulator, "applications", "friendly_name", "old-app")
        old_address = _sid(emulator, "addresses", "friendly_name", "HQ")
        rng = random.Random(seed)
        emulator.latency = lambda: rng.uniform(0, 0.03)
        emulator.requests.clear()
        report = _apply(client, tmp_path, AFTER)
    assert report.ok, [
        o.step.label for o in report.outcomes if o.status is not Status.DONE
    ]
    log = list(emulator.requests)
    new_app = _sid(emulator, "applications", "friendly_name", "new-app")
    new_address = _sid(emulator, "addresses", "friendly_name", "HQ")
    assert new_address != old_address

    # The application is created before the numbers that point to it.
    created = _one(log, "POST", "/Applications.json", FriendlyName="new-app")
    moved = [
        r
        for r in log
        if r.method == "POST" and ("VoiceApplicationSid", new_app) in r.params
    ]
    assert len(moved) == 2
    assert all(created.end <= r.start for r in moved)
    # Create-before-delete for the replaced address, and its referrer is
    # re-pointed before the old one goes.
    replacement = _one(log, "POST", "/Addresses.json", FriendlyName="HQ")
    repointed = _one(log, "POST", ".json", AddressSid=new_address)
    gone = _one(log, "DELETE", f"/Addresses/{old_address}.json")
    assert replacement.end <= repointed.start
    assert repointed.end <= gone.start
    # Re-points come before the delete of what they pointed at.
    pruned = _one(log, "DELETE", f"/Applications/{old_app}.json")
    away = [
        r
        for r in moved
        if r.path.endswith(f"/{_number(emulator, '+14155550101')}.json")
    ]
    assert len(away) == 1 and away[0].end <= pruned.start
    # Independent writes did overlap.
    writes = sorted((r for r in log if r.method != "GET"), key=lambda r: r.start)
    assert any(a.end > b.start for a, b in zip(writes, writes[1:], strict=False))


def _number(emulator: Emulator, e164: str) -> str:
    return _sid(emulator, "phone_numbers", "phone_number", e164)


def _many_numbers(count: int) -> tuple[Emulator, str]:
    emulator = Emulator()
    emulator.seed_phone_numbers(count, "+14155560000")
    lines = ["phone_numbers:"]
    for offset in range(count):
        lines += [
            f'  - phone_number: "+{14155560000 + offset}"',
            "    voice_url: https://new-host.example.com/voice",
        ]
    return emulator, "\n".join(lines) + "\n"


def test_a_429_storm_lowers_writes_in_flight_and_every_change_lands_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Twilio's Retry-After is whole seconds; a tenth keeps the test quick.
    monkeypatch.setattr(emulator_app, "RATE_LIMIT_RETRY_AFTER", 0.1)
    emulator, manifest = _many_numbers(40)
    with _client(emulator, sleep=time.sleep) as client:
        plan = _plan(client, tmp_path, manifest)
        emulator.latency = 0.02
        emulator.rate_limit = 3
        emulator.requests.clear()
        report = applier.apply(plan, client, parallelism=10)
        lowest = client.writes.lowest
    assert report.ok and len(report.done) == 40
    assert report.retried_after_429 > 0
    assert lowest <= 5  # halved at least once from 10
    log = list(emulator.requests)
    throttled = [r for r in log if r.status == 429]
    landed = [r for r in log if r.method == "POST" and r.status == 200]
    # Each change landed exactly once, and the 429s stayed fewer than half
    # the changes (7 of them are the first burst): no retry storm.
    assert len(landed) == 40 and len({r.path for r in landed}) == 40
    assert 0 < len(throttled) < 20, len(throttled)
    assert all(
        r["voice_url"] == "https://new-host.example.com/voice"
        for r in emulator.records("phone_numbers")
        if r["phone_number"].startswith("+1415556")
    )


def test_one_failed_create_skips_exactly_its_dependents(tmp_path: Path) -> None:
    emulator = Emulator()
    manifest = """
    applications:
      - friendly_name: broken
      - friendly_name: fine
    queues:
      - friendly_name: support
    phone_numbers:
      - phone_number: "+14155550100"
        voice_application: broken
      - phone_number: "+14155550101"
        voice_application: fine
      - phone_number: "+14155550102"
        sms_application: broken
        friendly_name: second user
    """
    emulator.add_fault(
        "POST", r"/Applications\.json$", 400, 21999, "quota", after=0, times=1
    )
    with _client(emulator) as client:
        plan = _plan(client, tmp_path, manifest)
        # The fault hits the first application create in plan order.
        first = next(c.name for c in plan.changes if c.kind == "applications")
        report = applier.apply(plan, client, parallelism=1)
    (failed,) = report.failed
    assert failed.step.label == f'create applications "{first}"'
    assert failed.error is not None and "21999" in str(failed.error)
    users = {
        "broken": {"+14155550100", "+14155550102"},
        "fine": {"+14155550101"},
    }[first]
    assert {o.step.change.name for o in report.skipped} == users
    assert all(o.because is failed.step for o in report.skipped)
    assert len(report.done) == 6 - 1 - len(users)
    assert not report.not_started


def test_fail_fast_starts_nothing_after_the_first_failure(tmp_path: Path) -> None:
    emulator, manifest = _many_numbers(10)
    emulator.add_fault("POST", r"/IncomingPhoneNumbers/PN\w+\.json$", 400, 21999, "no")
    with _client(emulator) as client:
        plan = _plan(client, tmp_path, manifest)
        report = applier.Apply(plan, client, parallelism=1, fail_fast=True).run()
    assert [o.status for o in report.outcomes] == [Status.FAILED] + [
        Status.NOT_STARTED
    ] * 9


def test_parallelism_one_keeps_plan_order(tmp_path: Path) -> None:
    emulator = Emulator()
    with _client(emulator) as client:
        assert _apply(client, tmp_path, BEFORE, parallelism=1).ok
        emulator.requests.clear()
        plan = _plan(client, tmp_path, AFTER)
        expected = [(c["method"], c["path"]) for c in applier.requests(plan)]
        emulator.requests.clear()
        report = applier.apply(plan, client, parallelism=1)
    assert report.ok
    writes = [(r.method, r.path) for r in emulator.requests if r.method != "GET"]
    # Paths of creates are the collection; of the rest, the object itself.
    assert [m for m, _ in writes] == [m for m, _ in expected]
    starts = [r.start for r in emulator.requests if r.method != "GET"]
    ends = [r.end for r in emulator.requests if r.method != "GET"]
    assert all(end <= start for end, start in zip(ends, starts[1:], strict=False))


def test_a_failed_create_in_a_rename_skips_only_what_uses_it(tmp_path: Path) -> None:
    """Four applications renamed (prune on), one create fails: only the number
    that moves to it, and the delete of the application it leaves, wait."""
    before = "applications:\n" + "".join(
        f"  - friendly_name: old{n}\n" for n in range(1, 5)
    )
    before += "phone_numbers:\n" + "".join(
        f'  - phone_number: "+{14155560000 + n}"\n    voice_application: old{n}\n'
        for n in range(1, 5)
    )
    after = "prune: [applications]\n" + before.replace("old", "new")
    emulator = Emulator()
    emulator.seed_phone_numbers(5, "+14155560000")
    with _client(emulator) as client:
        assert not _apply(client, tmp_path, before).failed
        emulator.add_fault(
            "POST", r"/Applications\.json$", 400, 21999, "quota", after=1, times=1
        )
        report = _apply(client, tmp_path, after, parallelism=1)
    (failed,) = report.failed
    assert failed.step.label == 'create applications "new2"'
    old2 = _sid(emulator, "applications", "friendly_name", "old2")
    assert sorted(o.step.label for o in report.skipped) == [
        f'delete applications "old2" ({old2})',
        'update phone_numbers "+14155560002"',
    ]
    names = {r["friendly_name"] for r in emulator.records("applications")}
    assert names == {"new1", "old2", "new3", "new4"}


def test_an_interrupted_replace_is_not_blamed_on_a_concurrent_apply(
    tmp_path: Path,
) -> None:
    """The address is replaced, its number's re-point fails, so the old copy's
    delete is skipped: two copies of "HQ", left by this apply's own replace."""
    emulator = Emulator()
    with _client(emulator) as client:
        assert not _apply(client, tmp_path, BEFORE).failed
        old = _sid(emulator, "addresses", "friendly_name", "HQ")
        number = _sid(emulator, "phone_numbers", "phone_number", "+14155550100")
        emulator.add_fault(
            "POST", rf"/IncomingPhoneNumbers/{number}\.json$", 400, 21999, "no"
        )
        report = _apply(client, tmp_path, AFTER)
    assert not report.duplicates
    (left,) = report.leftovers
    assert (left.kind, left.name) == ("addresses", "HQ") and old in left.sids
    text = apply_render.report(report)
    assert "another apply" not in text and "--dedupe" not in text
    assert "left behind by an interrupted replace" in text and old in text


def test_a_delete_that_finds_its_object_gone_is_done(tmp_path: Path) -> None:
    """Another apply (or the Console) deleted it first: a 404 is "deleted
    elsewhere", the goal reached, not a failure."""
    emulator = Emulator()
    with _client(emulator) as client:
        assert not _apply(client, tmp_path, BEFORE).failed
        plan = _plan(client, tmp_path, AFTER)
        old = _sid(emulator, "applications", "friendly_name", "old-app")
        emulator.remove("applications", old)
        report = applier.apply(plan, client)
    assert report.ok, apply_render.report(report)
    (gone,) = [o for o in report.done if o.step.change.sid == old]
    assert "already deleted elsewhere" in apply_render.line(gone)
