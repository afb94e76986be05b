"""Benchmark plan and apply against the in-process emulator at 100 to 10,000 numbers.

Usage: python scripts/benchmark.py [--markdown] [--only NAME]
Each scenario runs in its own subprocess so that peak RSS (getrusage maxrss)
is that scenario's alone. CPU is twilio-iac's own: the in-process emulator's
request handling is timed apart and left out. Exits 1 when a target from the
issue is missed.
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
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from twilio_iac import logs
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS, SEED_NUMBERS, Emulator
from twilio_iac.manifests import desired
from twilio_iac.model import Resource
from twilio_iac.reconcile import applier, live, planner
from twilio_iac.reconcile.plan import Plan
from twilio_iac.resources import related_kinds

OTHERS = 100  # applications, queues, addresses and Verify services each
PLAN_SIZES = (100, 1_000, 10_000)
APPLY_NUMBERS, APPLY_UPDATES = 1_000, 1_000
CPU_TARGET_S = 2.0  # planning 10,000 resources
MEMORY_TARGET_MB = 300.0
FIRST_NUMBER = 14155560000


@dataclass(frozen=True)
class Result:
    name: str
    resources: int  # live objects across all kinds
    changes: int
    requests: int
    request_target: int
    wall_s: float  # the whole scenario: load, fetch, plan (and apply)
    fetch_wall_s: float  # live.fetch, the in-process emulator's work included
    load_cpu_s: float  # desired.load: YAML, schema check, build
    fetch_cpu_s: float  # live.fetch without the emulator: HTTP, JSON, normalize
    emulator_cpu_s: float  # the emulator answering live.fetch's requests
    plan_cpu_s: float  # planner.plan alone, time.process_time
    maxrss_mb: float  # getrusage peak RSS of the process, emulator included
    traced_mb: float  # tracemalloc peak over a second load + fetch + plan


def seed(numbers: int) -> tuple[Emulator, str]:
    """An emulator holding `numbers` numbers and OTHERS of each other kind, and a
    manifest declaring all of them; each number uses one of the applications."""
    emulator = Emulator()
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
        record["voice_application_sid"] = apps[i % OTHERS]
        lines += [
            f'  - phone_number: "{record["phone_number"]}"',
            f'    friendly_name: "{record["friendly_name"]}"',
            f"    voice_application: app-{i % OTHERS:03}",
        ]
    return emulator, "\n".join(lines) + "\n"


class TimedApp:
    """The emulator's WSGI app, adding up the CPU time spent inside it (per
    thread: live.fetch lists kinds concurrently)."""

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


def run_scenario(name: str, numbers: int, updates: int) -> Result:
    emulator, manifest = seed(numbers)
    if updates:
        manifest = _rename(manifest, updates)
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
        state, plan, timings = _pipeline(client, app, path, apply=bool(updates))
        requests = client.request_count
        # Read before the traced pass, whose bookkeeping would inflate it.
        maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        traced = _traced_peak(client, path)
    counts = {kind: len(items) for kind, items in state.items()}
    # Planning: one paged list per kind. Applying: one POST per change.
    target = request_target(counts) + (len(plan.changes) if updates else 0)
    return Result(
        name=name,
        resources=sum(counts.values()),
        changes=len(plan.changes),
        requests=requests,
        request_target=target,
        **timings,
        maxrss_mb=maxrss_mb,
        traced_mb=traced / 2**20,
    )


def _pipeline(
    client: TwilioClient, app: TimedApp, path: Path, apply: bool
) -> tuple[dict[str, list[Resource]], Plan, dict[str, float]]:
    """What `twilio-iac plan` (or `apply`) does, timed step by step."""
    wall = time.perf_counter()
    cpu = time.process_time()
    wanted = desired.load([path], env={})
    load_cpu = time.process_time() - cpu
    kinds = related_kinds({key.kind for key in wanted.resources})
    fetch_wall, cpu, emulator_cpu = time.perf_counter(), time.process_time(), app.cpu_s
    state = live.fetch(client, client.account_sid, kinds)
    fetch_wall = time.perf_counter() - fetch_wall
    # process_time counts every thread, the emulator's requests included.
    emulator_cpu = app.cpu_s - emulator_cpu
    fetch_cpu = time.process_time() - cpu - emulator_cpu
    cpu = time.process_time()
    plan = planner.plan(wanted, state, client.account_sid)
    plan_cpu = time.process_time() - cpu
    if apply:
        applier.apply(plan, client, lambda _line: None)
    timings = {
        "wall_s": time.perf_counter() - wall,
        "fetch_wall_s": fetch_wall,
        "load_cpu_s": load_cpu,
        "fetch_cpu_s": fetch_cpu,
        "emulator_cpu_s": emulator_cpu,
        "plan_cpu_s": plan_cpu,
    }
    return state, plan, timings


def _traced_peak(client: TwilioClient, path: Path) -> int:
    """Bytes allocated at peak by a second load + fetch + plan (tracemalloc slows
    everything down, so it runs apart from the timed pass)."""
    tracemalloc.start()
    try:
        wanted = desired.load([path], env={})
        kinds = related_kinds({key.kind for key in wanted.resources})
        planner.plan(wanted, live.fetch(client, client.account_sid, kinds), "AC")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _rename(manifest: str, updates: int) -> str:
    """Give the first `updates` numbers a new friendly_name."""
    out, renamed = [], 0
    for line in manifest.splitlines():
        if line.startswith("    friendly_name: ") and renamed < updates:
            line = f'    friendly_name: "renamed {renamed:05}"'
            renamed += 1
        out.append(line)
    return "\n".join(out) + "\n"


SCENARIOS = {f"plan-{n}": (n, 0) for n in PLAN_SIZES} | {
    f"apply-{APPLY_UPDATES}-updates": (APPLY_NUMBERS, APPLY_UPDATES)
}


def targets(result: Result) -> dict[str, bool]:
    met = {
        "requests": result.requests <= result.request_target,
        "memory": result.maxrss_mb < MEMORY_TARGET_MB,
    }
    if result.name.startswith("plan-"):
        met["planner cpu"] = result.plan_cpu_s < CPU_TARGET_S
        # What `twilio-iac plan` spends itself, the emulator's share aside.
        met["pipeline cpu"] = pipeline_cpu(result) < CPU_TARGET_S
    return met


def pipeline_cpu(result: Result) -> float:
    return result.load_cpu_s + result.fetch_cpu_s + result.plan_cpu_s


HEADER = (
    "scenario",
    "live objects",
    "changes",
    "requests (target)",
    "wall s",
    "fetch wall s",
    "load CPU s",
    "fetch CPU s",
    "plan CPU s",
    "pipeline CPU s",
    "emulator CPU s",
    "peak RSS MB",
    "traced MB",
    "targets",
)


def row(result: Result) -> tuple[str, ...]:
    met = targets(result)
    verdict = ", ".join(f"{k} {'ok' if ok else 'MISSED'}" for k, ok in met.items())
    return (
        result.name,
        f"{result.resources:,}",
        f"{result.changes:,}",
        f"{result.requests:,} ({result.request_target:,})",
        f"{result.wall_s:.2f}",
        f"{result.fetch_wall_s:.2f}",
        f"{result.load_cpu_s:.2f}",
        f"{result.fetch_cpu_s:.2f}",
        f"{result.plan_cpu_s:.3f}",
        f"{pipeline_cpu(result):.2f}",
        f"{result.emulator_cpu_s:.2f}",
        f"{result.maxrss_mb:.0f}",
        f"{result.traced_mb:.0f}",
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="a Markdown table")
    parser.add_argument("--only", choices=sorted(SCENARIOS), action="append")
    parser.add_argument("--child", choices=sorted(SCENARIOS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    logs.configure(debug=False, fmt="text")
    if args.child:
        numbers, updates = SCENARIOS[args.child]
        print(json.dumps(asdict(run_scenario(args.child, numbers, updates))))
        return 0
    results = []
    for name in args.only or SCENARIOS:
        command = [sys.executable, __file__, "--child", name]
        out = subprocess.run(command, check=True, capture_output=True, text=True)
        results.append(Result(**json.loads(out.stdout.splitlines()[-1])))
    print(render([row(r) for r in results], args.markdown))
    missed = [
        f"{r.name}: {k}" for r in results for k, ok in targets(r).items() if not ok
    ]
    print("\nAll targets met." if not missed else f"\nMISSED: {', '.join(missed)}")
    if not args.only and not emulator_writes(args.markdown):
        return 1
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
