"""Benchmark plan and apply against the in-process emulator, with latency.

Usage: python scripts/benchmark.py [--markdown] [--only NAME]...
       python scripts/benchmark.py --stages [--numbers N]... [--runs R]
Each scenario runs in its own subprocess so that peak RSS (getrusage maxrss)
and CPU are that scenario's alone. Latency is a fixed delay added to every
request outside the emulator's lock, as a distant Twilio would add it.
CPU is twilio-iac's own: the in-process emulator's request handling is timed
apart and left out. Exits 1 when a target from issue 10 is missed.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from twilio_iac import logs
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS, SEED_NUMBERS, Emulator
from twilio_iac.reconcile import run

OTHERS = 80  # applications, queues, addresses and Verify services each: 320
FIRST_NUMBER = 14155560000
NEW_VOICE_URL = "https://new-host.example.com/voice"


@dataclass(frozen=True)
class Scenario:
    numbers: int
    updates: int = 0  # numbers whose voice_url changes (an apply scenario)
    latency: float = 0.0  # seconds added to every request
    parallelism: int = 10
    target_s: float | None = None  # wall target of the measured phase
    read_ahead: bool = False  # plan --read-ahead: fetch while manifests load


SCENARIOS = {
    "plan-10000-50ms": Scenario(10_000, latency=0.05),
    "plan-10000-50ms-read-ahead": Scenario(
        10_000, latency=0.05, target_s=1.0, read_ahead=True
    ),
    "apply-1000-50ms-par10": Scenario(1_000, 1_000, 0.05, 10, target_s=10.0),
    "apply-10000-50ms-par10": Scenario(10_000, 10_000, 0.05, 10, target_s=60.0),
    "apply-1000-50ms-par1": Scenario(1_000, 1_000, 0.05, 1),
    "plan-cpu-10000": Scenario(10_000),
    "plan-cpu-50000": Scenario(50_000),
}


@dataclass(frozen=True)
class Result:
    name: str
    resources: int  # live objects across all kinds
    changes: int
    requests: int
    request_target: int
    plan_wall_s: float  # load + fetch + plan, as `twilio-iac plan` runs them
    apply_wall_s: float  # the writes alone
    cpu_s: float  # twilio-iac's CPU (all threads), the emulator's taken out
    emulator_cpu_s: float
    maxrss_mb: float  # whole process, in-process emulator included


def seed(
    numbers: int, updates: int, latency: float = 0.0, state_path: Path | None = None
) -> tuple[Emulator, str]:
    """An emulator holding `numbers` numbers and OTHERS of each other kind, and a
    manifest declaring all of them; each number uses one of the applications,
    and the first `updates` numbers get a new voice_url."""
    # The emulator sleeps its latency outside its lock, so requests in flight
    # overlap as they would over a network.
    emulator = Emulator(latency=latency, state_path=state_path)
    emulator.seed_phone_numbers(numbers - len(SEED_NUMBERS), f"+{FIRST_NUMBER}")
    apps = [
        emulator.insert("applications", friendly_name=f"app-{i:03}")["sid"]
        for i in range(OTHERS)
    ]
    for i in range(OTHERS):
        emulator.insert("queues", friendly_name=f"queue-{i:03}")
        emulator.insert("verify_services", friendly_name=f"Service {i:03}")
        emulator.insert(
            "addresses",
            friendly_name=f"address-{i:03}",
            customer_name="Example Inc",
            street=f"{i} Main St",
            city="San Francisco",
            region="CA",
            postal_code="94105",
            iso_country="US",
        )
    lines = ["applications:"]
    lines += [f"  - friendly_name: app-{i:03}" for i in range(OTHERS)]
    lines += ["queues:"] + [f"  - friendly_name: queue-{i:03}" for i in range(OTHERS)]
    lines += ["verify_services:"]
    lines += [f"  - friendly_name: Service {i:03}" for i in range(OTHERS)]
    lines += ["addresses:"]
    lines += [f"  - friendly_name: address-{i:03}" for i in range(OTHERS)]
    lines += ["phone_numbers:"]
    records = emulator.store.records("phone_numbers")
    for i, record in enumerate(records.values()):
        lines += [
            f'  - phone_number: "{record["phone_number"]}"',
            f'    friendly_name: "{record["friendly_name"]}"',
        ]
        # A number routed by an application ignores voice_url (a manifest
        # may not set both), so the numbers that change have none.
        if i < updates:
            lines.append(f"    voice_url: {NEW_VOICE_URL}")
        else:
            record["voice_application_sid"] = apps[i % OTHERS]
            lines.append(f"    voice_application: app-{i % OTHERS:03}")
    return emulator, "\n".join(lines) + "\n"


class TimedApp:
    """The emulator's WSGI app, adding up the CPU time spent inside it per
    thread (requests run on several threads at once)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.cpu_s = 0.0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start = time.thread_time()
        try:
            return list(self.app(environ, start_response))
        finally:
            with self._lock:
                self.cpu_s += time.thread_time() - start


def request_target(counts: dict[str, int]) -> int:
    """One paged list per kind: ceil(count / 1000), at least one request."""
    return sum(max(1, math.ceil(n / 1000)) for n in counts.values())


def run_scenario(name: str) -> Result:
    scenario = SCENARIOS[name]
    emulator, manifest = seed(scenario.numbers, scenario.updates, scenario.latency)
    counts = {
        kind: len(emulator.store.records(kind))
        for kind in ("applications", "queues", "verify_services", "addresses")
    } | {"phone_numbers": scenario.numbers}
    # The seeded store is the emulator's, not twilio-iac's: keep the cyclic
    # collector from walking it on twilio-iac's time (against Twilio it is
    # not in the process at all).
    gc.collect()
    gc.freeze()
    settings = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
    app = TimedApp(emulator)
    with (
        TwilioClient(settings, app=app) as client,
        tempfile.TemporaryDirectory() as tmp,
    ):
        path = Path(tmp) / "twilio.yaml"
        path.write_text(manifest, encoding="utf-8")
        options = run.PlanOptions(env={}, read_ahead=scenario.read_ahead)
        cpu = time.process_time()
        wall = time.perf_counter()
        # What `twilio-iac apply --auto-approve` does once it has a client:
        # the plan (by default the manifests are loaded and checked first;
        # with --read-ahead live state is read while they load), then the
        # writes.
        with run.review([path], lambda _sid: nullcontext(client), options) as pending:
            plan_wall = time.perf_counter() - wall
            wall = time.perf_counter()
            if scenario.updates:
                _apply(pending, scenario.parallelism)
            apply_wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu - app.cpu_s
        requests = client.request_count
        plan = pending.plan
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Result(
        name=name,
        resources=sum(counts.values()),
        changes=len(plan.changes),
        requests=requests,
        request_target=request_target(counts) + len(plan.changes),
        plan_wall_s=plan_wall,
        apply_wall_s=apply_wall,
        cpu_s=cpu,
        emulator_cpu_s=app.cpu_s,
        maxrss_mb=maxrss_mb,
    )


def _apply(pending: run.Pending, parallelism: int) -> None:
    report = run.apply(pending, run.ApplyOptions(parallelism=parallelism))
    if not report.ok:
        raise SystemExit(f"apply failed: {len(report.failed)} change(s) failed")


def targets(name: str, result: Result) -> dict[str, bool]:
    scenario = SCENARIOS[name]
    met = {"requests": result.requests <= result.request_target}
    if scenario.target_s is not None:
        measured = result.apply_wall_s if scenario.updates else result.plan_wall_s
        met[f"≤ {scenario.target_s:g} s"] = measured <= scenario.target_s
    return met


HEADER = (
    "scenario",
    "live objects",
    "changes",
    "requests (target)",
    "plan wall s",
    "apply wall s",
    "twilio-iac CPU s",
    "emulator CPU s",
    "peak RSS MB",
    "targets",
)


def row(result: Result) -> tuple[str, ...]:
    met = targets(result.name, result)
    verdict = ", ".join(f"{k} {'ok' if ok else 'MISSED'}" for k, ok in met.items())
    return (
        result.name,
        f"{result.resources:,}",
        f"{result.changes:,}",
        f"{result.requests:,} ({result.request_target:,})",
        f"{result.plan_wall_s:.2f}",
        f"{result.apply_wall_s:.2f}" if result.changes else "-",
        f"{result.cpu_s:.2f}",
        f"{result.emulator_cpu_s:.2f}",
        f"{result.maxrss_mb:.0f}",
        verdict,
    )


def render(rows: list[tuple[str, ...]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True))
        for r in [HEADER, *rows]
    )


def emulator_writes(markdown: bool) -> bool:
    """One emulator write at 1,000 to 50,000 numbers (scripts/bench_emulator.py,
    which prints its own table); True when its target is met."""
    command = [sys.executable, str(Path(__file__).with_name("bench_emulator.py"))]
    print()
    return subprocess.run(command + ["--markdown"] * markdown).returncode == 0


def fleet_plan(markdown: bool) -> bool:
    """A fleet of 200 subaccounts against one plan per account in sequence
    (scripts/bench_fleet.py, which prints its own table); True when met."""
    command = [sys.executable, str(Path(__file__).with_name("bench_fleet.py"))]
    print()
    return subprocess.run(command + ["--markdown"] * markdown).returncode == 0


def main() -> int:
    if "--stages" in sys.argv[1:]:
        # The per-stage table of issue 20: scripts/bench_stages.py.
        sys.path.insert(0, str(Path(__file__).parent))
        from bench_stages import main as stages

        return stages([a for a in sys.argv[1:] if a != "--stages"])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="a Markdown table")
    parser.add_argument("--only", choices=sorted(SCENARIOS), action="append")
    parser.add_argument("--child", choices=sorted(SCENARIOS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    logs.configure(debug=False, fmt="text")
    if args.child:
        print(json.dumps(asdict(run_scenario(args.child))))
        return 0
    results = []
    for name in args.only or SCENARIOS:
        command = [sys.executable, __file__, "--child", name]
        out = subprocess.run(command, check=True, capture_output=True, text=True)
        results.append(Result(**json.loads(out.stdout.splitlines()[-1])))
        print(render([row(results[-1])], False).splitlines()[-1], file=sys.stderr)
    print(render([row(r) for r in results], args.markdown))
    missed = [
        f"{r.name}: {k}"
        for r in results
        for k, ok in targets(r.name, r).items()
        if not ok
    ]
    print("\nAll targets met." if not missed else f"\nMISSED: {', '.join(missed)}")
    if not args.only and not emulator_writes(args.markdown):
        return 1
    if not args.only and not fleet_plan(args.markdown):
        return 1
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
