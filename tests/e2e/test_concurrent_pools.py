"""Issue 7's order rules for pools and trunks under the concurrent apply.

Each claim is read from the emulator's request log (when each request arrived
and was answered) with a random delay on every request, several seeds, and
ten writes in flight, as test_concurrent_apply.py does for the other kinds.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.e2e.test_concurrent_apply import _client, _one, _plan
from twilio_iac.emulator import Emulator
from twilio_iac.emulator.app import LoggedRequest
from twilio_iac.reconcile import applier, graph
from twilio_iac.reconcile.executor import Status
from twilio_iac.reconcile.plan import MemberChange, Plan, RemoveMember
from twilio_iac.reconcile.report import ApplyReport
from twilio_iac.render import apply as render_apply

SEEDS = [1, 2, 3, 4, 5]

# Two services and two trunks, each with members, children and settings, and
# one number bought in the same run that joins a pool.
POOLS = """
phone_numbers:
  - phone_number: "+14155550100"
    friendly_name: Support line
  - phone_number: "+14155550101"
    friendly_name: Alerts line
  - phone_number: "+14155559999"
    friendly_name: Bought line
    purchase: true
messaging_services:
  - friendly_name: Alerts
    senders:
      phone_numbers: [Support line, Alerts line]
      alpha_senders: [ACME]
  - friendly_name: Marketing
    senders:
      phone_numbers: [Bought line]
sip_trunks:
  - friendly_name: PBX
    domain_name: acme-pbx.pstn.twilio.com
    recording:
      mode: record-from-answer
    origination_urls:
      - friendly_name: primary
        sip_url: sip:pbx1.example.com
      - friendly_name: backup
        sip_url: sip:pbx2.example.com
        priority: 20
    phone_numbers: ["+14155550102"]
  - friendly_name: Spare
    domain_name: acme-spare.pstn.twilio.com
    origination_urls:
      - friendly_name: only
        sip_url: sip:spare.example.com
    phone_numbers: ["+18005550199"]
"""


def _latency(emulator: Emulator, seed: int) -> None:
    rng = random.Random(seed)
    emulator.latency = lambda: rng.uniform(0, 0.03)
    emulator.requests.clear()


def _change(
    tmp_path: Path,
    seed: int,
    before: str,
    after: str,
    *,
    parallelism: int = 10,
    failing: str | None = None,
) -> tuple[Emulator, dict[str, str], Plan, ApplyReport]:
    """Apply ``before``, then ``after`` with random delays (and a failure on
    the first POST to the ``failing`` collection): the emulator, the owners
    before, the second plan and its report."""
    emulator = Emulator()
    emulator.seed_phone_numbers(6, "+14155560000")
    with _client(emulator) as client:
        assert applier.apply(_plan(client, tmp_path, before), client).ok
        owners = _owners(emulator)
        plan = _plan(client, tmp_path, after)
        _latency(emulator, seed)
        if failing:
            emulator.add_fault("POST", failing + "$", 400, 21999, "quota")
        report = applier.apply(plan, client, parallelism=parallelism)
    return emulator, owners, plan, report


def _not_done(report: ApplyReport) -> list[tuple[str, str]]:
    return [
        (o.step.label, str(o.error))
        for o in report.outcomes
        if o.status is not Status.DONE
    ]


def _sid(emulator: Emulator, kind: str, name: str) -> str:
    return next(
        r["sid"] for r in emulator.records(kind) if r.get("friendly_name") == name
    )


def _pn(emulator: Emulator, e164: str) -> str:
    return next(
        r["sid"] for r in emulator.records("phone_numbers") if r["phone_number"] == e164
    )


def _under(log: list[LoggedRequest], owner_path: str) -> list[LoggedRequest]:
    """Writes to what the owner at ``owner_path`` holds."""
    return [
        r
        for r in log
        if r.method != "GET" and r.path.startswith(owner_path + "/") and r.status < 300
    ]


def _owners(emulator: Emulator) -> dict[str, str]:
    """Instance path → friendly_name of every live service and trunk."""
    paths = {
        f"/v1/Services/{r['sid']}": r for r in emulator.records("messaging_services")
    }
    paths |= {f"/v1/Trunks/{r['sid']}": r for r in emulator.records("sip_trunks")}
    return {path: r["friendly_name"] for path, r in paths.items()}


def _pool(emulator: Emulator, members: str, owner: str) -> set[str]:
    """E.164 numbers in a service's (messaging_…) or a trunk's (trunk_…) pool."""
    if members.startswith("messaging"):
        sid, parent = _sid(emulator, "messaging_services", owner), "service_sid"
    else:
        sid, parent = _sid(emulator, "sip_trunks", owner), "trunk_sid"
    return {r["phone_number"] for r in emulator.records(members) if r[parent] == sid}


@pytest.mark.parametrize("seed", SEEDS)
def test_owners_are_created_before_anything_joins_them(
    tmp_path: Path, seed: int
) -> None:
    emulator, _, plan, report = _change(tmp_path, seed, "{}", POOLS)
    assert report.ok, _not_done(report)
    log = list(emulator.requests)
    member_changes = [c for c in plan.changes if isinstance(c, MemberChange)]
    assert len(member_changes) == 10
    members = 0
    for path, name in _owners(emulator).items():
        collection = "/v1/Services" if "/Services/" in path else "/v1/Trunks"
        created = _one(log, "POST", collection, FriendlyName=name)
        joined = _under(log, path)
        assert joined, path
        # Members, origination URLs and recording settings all follow the create.
        assert all(created.end <= r.start for r in joined), name
        members += len(joined)
    assert members == len(member_changes)
    # The number bought in this run joins Marketing only once it is owned.
    bought = _one(log, "POST", "/IncomingPhoneNumbers.json", PhoneNumber="+14155559999")
    joins = _one(
        log, "POST", "/PhoneNumbers", PhoneNumberSid=_pn(emulator, "+14155559999")
    )
    assert bought.end <= joins.start
    assert _pool(emulator, "messaging_phone_numbers", "Marketing") == {"+14155559999"}
    # Independent writes did overlap.
    writes = sorted((r for r in log if r.method != "GET"), key=lambda r: r.start)
    assert any(a.end > b.start for a, b in zip(writes, writes[1:], strict=False))


# Every number changes pools: a swap between two services, a move into a
# service created in this run, out of a service this run prunes, between two
# trunks, and out of a trunk the manifests no longer declare (an eviction).
BEFORE_MOVES = """
phone_numbers:
  - phone_number: "+14155550100"
  - phone_number: "+14155550101"
messaging_services:
  - friendly_name: A
    senders:
      phone_numbers: ["+14155550100", "+14155560000"]
  - friendly_name: B
    senders:
      phone_numbers: ["+14155550101"]
  - friendly_name: Doomed
    senders:
      phone_numbers: ["+14155560001"]
sip_trunks:
  - friendly_name: T1
    domain_name: t1.pstn.twilio.com
    phone_numbers: ["+14155550102", "+14155560003"]
  - friendly_name: T2
    domain_name: t2.pstn.twilio.com
    phone_numbers: []
  - friendly_name: Undeclared
    domain_name: t3.pstn.twilio.com
    phone_numbers: ["+14155560002"]
"""
AFTER_MOVES = """
prune: [messaging_services]
phone_numbers:
  - phone_number: "+14155550100"
  - phone_number: "+14155550101"
messaging_services:
  - friendly_name: A
    senders:
      phone_numbers: ["+14155550101"]
  - friendly_name: B
    senders:
      phone_numbers: ["+14155550100", "+14155560001"]
  - friendly_name: New
    senders:
      phone_numbers: ["+14155560000"]
sip_trunks:
  - friendly_name: T1
    domain_name: t1.pstn.twilio.com
    phone_numbers: ["+14155560003"]
  - friendly_name: T2
    domain_name: t2.pstn.twilio.com
    phone_numbers: ["+14155550102", "+14155560002"]
"""


@pytest.mark.parametrize("seed", SEEDS)
def test_a_member_leaves_its_old_pool_before_it_joins_the_new_one(
    tmp_path: Path, seed: int
) -> None:
    emulator, old, _, report = _change(tmp_path, seed, BEFORE_MOVES, AFTER_MOVES)
    assert report.ok, _not_done(report)
    log = list(emulator.requests)
    moved = {
        "+14155550100": ("A", "B"),
        "+14155550101": ("B", "A"),
        "+14155560000": ("A", "New"),
        "+14155560001": ("Doomed", "B"),
        "+14155560002": ("Undeclared", "T2"),
        "+14155550102": ("T1", "T2"),
    }
    by_name = {name: path for path, name in old.items()}
    for number, (src, dst) in moved.items():
        sid = _pn(emulator, number)
        left = _one(log, "DELETE", f"{by_name[src]}/PhoneNumbers/{sid}")
        joined = _one(log, "POST", "/PhoneNumbers", PhoneNumberSid=sid)
        assert left.end <= joined.start, (number, src, dst)
        kind = "trunk" if dst.startswith("T") else "messaging"
        members = f"{kind}_phone_numbers"
        assert number in _pool(emulator, members, dst)
    assert _pool(emulator, "trunk_phone_numbers", "T1") == {"+14155560003"}


BEFORE_PRUNE = """
messaging_services:
  - friendly_name: S1
    senders:
      phone_numbers: ["+14155560000", "+14155560001"]
      alpha_senders: [ACME]
  - friendly_name: S2
    senders:
      phone_numbers: ["+14155560002"]
sip_trunks:
  - friendly_name: T1
    domain_name: t1.pstn.twilio.com
    origination_urls:
      - friendly_name: a
        sip_url: sip:a.example.com
      - friendly_name: b
        sip_url: sip:b.example.com
    phone_numbers: ["+14155560003", "+14155560004"]
  - friendly_name: T2
    domain_name: t2.pstn.twilio.com
    origination_urls:
      - friendly_name: c
        sip_url: sip:c.example.com
    phone_numbers: ["+14155560005"]
"""


@pytest.mark.parametrize("seed", SEEDS)
def test_members_leave_before_a_pruned_owner_is_deleted(
    tmp_path: Path, seed: int
) -> None:
    pruned = "prune: [messaging_services, sip_trunks]\n"
    emulator, owners, _, report = _change(tmp_path, seed, BEFORE_PRUNE, pruned)
    assert report.ok, _not_done(report)
    log = list(emulator.requests)
    assert len(owners) == 4
    for path, name in owners.items():
        gone = _one(log, "DELETE", path)
        left = _under(log, path)
        assert left and all(r.method == "DELETE" for r in left), name
        assert all(r.end <= gone.start for r in left), name
        # Origination URLs are the trunk's own objects, not pool members:
        # Twilio deletes them with the trunk, so the plan sends no DELETE.
        assert not [r for r in left if "/OriginationUrls/" in r.path]
    assert emulator.records("messaging_phone_numbers") == []
    assert emulator.records("trunk_phone_numbers") == []
    assert emulator.records("origination_urls") == []


# Kept and Old exist; each new owner gets a member moved out of them.
OLD_POOLS = """
messaging_services:
  - friendly_name: Kept
    senders:
      phone_numbers: ["+14155560000", "+14155560005"]
sip_trunks:
  - friendly_name: Old
    domain_name: old.pstn.twilio.com
    phone_numbers: ["+14155560003", "+14155560004"]
"""
FAILING = """
phone_numbers:
  - phone_number: "+14155550100"
    friendly_name: Support line
messaging_services:
  - friendly_name: Kept
    senders:
      phone_numbers: []
  - friendly_name: First
    senders:
      phone_numbers: [Support line, "+14155560005"]
      alpha_senders: [ACME]
  - friendly_name: Second
    senders:
      phone_numbers: ["+14155560002", "+14155560000"]
      alpha_senders: [BRAND]
sip_trunks:
  - friendly_name: Old
    domain_name: old.pstn.twilio.com
    phone_numbers: []
  - friendly_name: One
    domain_name: one.pstn.twilio.com
    recording:
      mode: record-from-answer
    origination_urls:
      - friendly_name: a
        sip_url: sip:a.example.com
    phone_numbers: ["+14155560003"]
  - friendly_name: Two
    domain_name: two.pstn.twilio.com
    origination_urls:
      - friendly_name: b
        sip_url: sip:b.example.com
    phone_numbers: ["+14155560004", "+14155560001"]
"""


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("collection", ["/v1/Services", "/v1/Trunks"])
def test_a_failed_owner_create_skips_exactly_what_joins_it(
    tmp_path: Path, seed: int, collection: str
) -> None:
    emulator, old, plan, report = _change(
        tmp_path, seed, OLD_POOLS, FAILING, failing=collection
    )
    (failed,) = report.failed
    name = failed.step.change.name
    assert failed.step.label.startswith("create ") and "21999" in str(failed.error)
    # What it holds, and the leave of the member moving into it: a move into
    # an owner that could not be made leaves the member where it was.
    member_changes = {
        c
        for c in plan.changes
        if isinstance(c, MemberChange) and name in (c.name, c.moved)
    }
    assert len([c for c in member_changes if isinstance(c, RemoveMember)]) == 1
    assert {o.step.change for o in report.skipped} == member_changes
    assert all(o.because is failed.step for o in report.skipped)
    assert len(report.done) == len(plan.changes) - 1 - len(member_changes)
    assert not report.not_started
    # One request per member change done, none for those skipped.
    done = [o for o in report.done if isinstance(o.step.change, MemberChange)]
    sent = [
        r
        for r in emulator.requests
        if r.method != "GET" and r.path.startswith(("/v1/Services/", "/v1/Trunks/"))
    ]
    assert len(sent) == len(done)
    stays = "Kept" if "Services" in collection else "Old"
    members = "messaging_phone_numbers" if stays == "Kept" else "trunk_phone_numbers"
    assert len(_pool(emulator, members, stays)) == 1
    text = render_apply.report(report)
    assert f"Skipped because a change they need failed ({len(member_changes)}):" in text
    for o in report.skipped:
        assert f"  - {o.step.label} (needs: {failed.step.label})" in text


TRUNKED = """
applications:
  - friendly_name: ivr
phone_numbers:
  - phone_number: "+14155560000"
sip_trunks:
  - friendly_name: T
    domain_name: t.pstn.twilio.com
    phone_numbers: ["+14155560000"]
"""
# The number leaves the trunk and takes an application in the same run. Twilio
# clears trunk_sid when voice_application_sid is set, and the number with it
# leaves the trunk's list: the trunk removal must land first, or it finds no
# member (404).
UNTRUNKED = TRUNKED.replace(
    '  - phone_number: "+14155560000"\n',
    '  - phone_number: "+14155560000"\n    voice_application: ivr\n',
).replace('["+14155560000"]', "[]")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("parallelism", [1, 10])
def test_a_number_leaves_its_trunk_before_its_own_voice_routing_is_set(
    tmp_path: Path, seed: int, parallelism: int
) -> None:
    emulator, _, _, report = _change(
        tmp_path, seed, TRUNKED, UNTRUNKED, parallelism=parallelism
    )
    assert report.ok, _not_done(report)
    log = list(emulator.requests)
    sid = _pn(emulator, "+14155560000")
    left = _one(log, "DELETE", f"/PhoneNumbers/{sid}")
    routed = _one(log, "POST", f"/IncomingPhoneNumbers/{sid}.json")
    assert left.end <= routed.start
    (number,) = [r for r in emulator.records("phone_numbers") if r["sid"] == sid]
    app = _sid(emulator, "applications", "ivr")
    assert (number["trunk_sid"], number["voice_application_sid"]) == (None, app)


def test_plan_order_stays_a_topological_order_of_apply_edges(tmp_path: Path) -> None:
    # The number leaves Old for a trunk made in this run, and is renamed: its
    # leave waits for the new trunk, its rename for the leave.
    before = TRUNKED.replace("voice_application: ivr\n", "")
    after = before.replace('["+14155560000"]', "[]") + (
        "  - friendly_name: New\n"
        "    domain_name: new.pstn.twilio.com\n"
        '    phone_numbers: ["+14155560000"]\n'
    )
    after = after.replace(
        '  - phone_number: "+14155560000"\n',
        '  - phone_number: "+14155560000"\n    friendly_name: renamed\n',
    )
    emulator = Emulator()
    emulator.seed_phone_numbers(1, "+14155560000")
    with _client(emulator) as client:
        assert applier.apply(_plan(client, tmp_path, before), client).ok
        plan = _plan(client, tmp_path, after)
        built = graph.build(plan)
        labels = [s.label for s in built.steps]
        assert labels == [
            'create sip_trunks "New"',
            'remove sip_trunks "T" phone_numbers "renamed"',
            'update phone_numbers "+14155560000"',
            'add sip_trunks "New" phone_numbers "+14155560000"',
        ]
        assert all(need < i for i, needs in enumerate(built.needs) for need in needs)
        assert built.needs[2] == {1} and built.needs[1] == {0}
        emulator.requests.clear()
        report = applier.apply(plan, client, parallelism=1)
    assert report.ok, _not_done(report)
    sent = [(r.method, r.path) for r in emulator.requests if r.method != "GET"]
    assert [m for m, _ in sent] == ["POST", "DELETE", "POST", "POST"]
