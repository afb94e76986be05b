"""Benchmark a fleet's plan: 200 subaccounts at 50 ms per request, against the
same accounts planned one after another (what a Terragrunt-style loop does).

Usage: python scripts/bench_fleet.py [--markdown] [--accounts N]
Each subaccount holds, already converged, a base layer of 4 kinds (one
application, one queue, one address, and its phone numbers, pruned: none) and
one queue of its own, declared in customers/<name>/. The floor is requests ÷
the bound on requests in flight × latency. CPU is twilio-iac's own: the
in-process emulator's request handling is timed apart and left out (as in
scripts/benchmark.py). Exits 1 when a target of issue 15 is missed.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from benchmark import TimedApp  # type: ignore[import-not-found]

from twilio_iac import logs
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS, Emulator
from twilio_iac.manifests import fleet as fleet_file
from twilio_iac.reconcile import fleet, run

LATENCY = 0.05
PARALLELISM = 10
BASE = """\
applications:
  - friendly_name: ivr
    voice_url: https://example.com/voice
queues:
  - friendly_name: support
    max_size: 20
addresses:
  - friendly_name: HQ
    customer_name: Example Inc
    street: 1 Main St
    city: San Francisco
    region: CA
    postal_code: "94105"
    iso_country: US
prune: [phone_numbers]
"""


def seed(root: Path, accounts: int) -> tuple[Emulator, Path]:
    """The emulator with the subaccounts converged, and the fleet file."""
    emulator = Emulator()
    (root / "base").mkdir()
    (root / "base" / "twilio.yaml").write_text(BASE)
    lines = ["accounts:"]
    settings = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
    with TwilioClient(settings, app=emulator) as client:
        for i in range(accounts):
            name = f"customer-{i:04}"
            sid = client.create(
                "core", "/2010-04-01/Accounts.json", {"FriendlyName": name}
            )["sid"]
            _converge(client, sid, name)
            own = root / "customers" / name
            own.mkdir(parents=True)
            (own / "queue.yaml").write_text(f"queues:\n  - friendly_name: {name}\n")
            lines += [
                f"  - friendly_name: {name}",
                f"    paths: [base, customers/{name}]",
            ]
    path = root / "fleet.yaml"
    path.write_text("\n".join(lines) + "\n")
    return emulator, path


def _converge(client: TwilioClient, sid: str, name: str) -> None:
    base = f"/2010-04-01/Accounts/{sid}"
    client.create(
        "core",
        f"{base}/Applications.json",
        {"FriendlyName": "ivr", "VoiceUrl": "https://example.com/voice"},
    )
    for queue, size in (("support", 20), (name, 100)):
        client.create(
            "core", f"{base}/Queues.json", {"FriendlyName": queue, "MaxSize": size}
        )
    client.create(
        "core",
        f"{base}/Addresses.json",
        {
            "FriendlyName": "HQ",
            "CustomerName": "Example Inc",
            "Street": "1 Main St",
            "City": "San Francisco",
            "Region": "CA",
            "PostalCode": "94105",
            "IsoCountry": "US",
        },
    )


class Counted:
    """Opens clients over one emulator, sharing one bound, counting requests."""

    def __init__(self, app: TimedApp, parallelism: int) -> None:
        self.app = app
        self.bound = threading.BoundedSemaphore(parallelism)
        self.clients: list[TwilioClient] = []

    @contextmanager
    def __call__(self, sid: str | None, _keys: object = None):  # noqa: ANN204
        settings = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS, account_sid=sid)
        with TwilioClient(settings, app=self.app, in_flight=self.bound) as client:
            self.clients.append(client)
            yield client

    @property
    def requests(self) -> int:
        return sum(c.request_count for c in self.clients)


def measure(emulator: Emulator, path: Path, loop: bool) -> dict[str, float]:
    app = TimedApp(emulator)
    opener = Counted(app, PARALLELISM)
    accounts = fleet_file.load(path).accounts
    gc.collect()
    gc.freeze()
    cpu, wall = time.process_time(), time.perf_counter()
    if loop:
        sids = _sids(opener)
        for account in accounts:
            options = run.PlanOptions(env={}, account_sid=sids[account.friendly_name])
            run.plan(account.paths, lambda sid: opener(sid), options)
        failed, changed = 0, 0
    else:
        options = run.PlanOptions(env={})
        planned = fleet.plan(accounts, opener, options, PARALLELISM)
        failed, changed = len(planned.failed), sum(a.changed for a in planned.accounts)
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu - app.cpu_s
    if failed or changed:
        raise SystemExit(f"{failed} accounts failed, {changed} have changes")
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "requests": opener.requests,
        "floor_s": opener.requests / PARALLELISM * LATENCY,
    }


def _sids(opener: Counted) -> dict[str, str]:
    # What a loop's configuration holds: each account's SID, known beforehand.
    with opener(None) as client:
        found = client.list("core", "/2010-04-01/Accounts.json", "accounts")
    return {r["friendly_name"]: r["sid"] for r in found}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--accounts", type=int, default=200)
    args = parser.parse_args()
    logs.configure(debug=False, fmt="text")
    with tempfile.TemporaryDirectory() as tmp:
        emulator, path = seed(Path(tmp), args.accounts)
        emulator.latency = LATENCY
        rows = [
            ("fleet plan", measure(emulator, path, loop=False)),
            ("one plan per account, in sequence", measure(emulator, path, loop=True)),
        ]
    fleet_row = rows[0][1]
    met = {
        "within 2× of floor": fleet_row["wall_s"] <= 2 * fleet_row["floor_s"],
        "CPU < 3 s": fleet_row["cpu_s"] < 3.0,
    }
    header = ("run", "requests", "floor s", "wall s", "twilio-iac CPU s")
    body = [
        (
            name,
            f"{r['requests']:,.0f}",
            f"{r['floor_s']:.2f}" if name == "fleet plan" else "-",
            f"{r['wall_s']:.2f}",
            f"{r['cpu_s']:.2f}",
        )
        for name, r in rows
    ]
    print(
        f"{args.accounts} subaccounts, {LATENCY * 1000:.0f} ms per request, "
        f"--parallelism {PARALLELISM}"
    )
    if args.markdown:
        print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
        print("\n".join("| " + " | ".join(r) + " |" for r in body))
    else:
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
        for r in [header, *body]:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    missed = [k for k, ok in met.items() if not ok]
    print("\nAll targets met." if not missed else f"\nMISSED: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
