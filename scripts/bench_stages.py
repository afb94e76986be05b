"""`benchmark.py --stages`: the CPU of each stage of `plan`, and of whole commands.

An account of N numbers plus 320 other objects (benchmark.py's seed) is written
to a SQLite state file and served by `twilio-iac emulator serve` in its own
process, so that nothing of the emulator is in the measured processes. Then,
for each N:

- whole commands, each in a fresh process (``os.wait4``: user + sys CPU and
  peak RSS, the min of ``--runs`` runs): `--version`, `--help`, `validate`,
  `plan` against the served emulator, and `--sandbox plan` (in process, on a
  copy of the same state file);
- the stages of one `plan`, in a fresh process that runs the pipeline step by
  step with the collector as the CLI has it (``time.process_time`` per stage,
  the min of ``--runs`` runs per stage).

The machine's load average is printed with the tables: on a shared machine
CPU figures move with it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

STAGES = (
    "imports",
    "YAML with marks",
    "interpolation",
    "layers",
    "schema",
    "own checks",
    "building desired",
    "fetch+JSON",
    "normalising live",
    "diff+planning",
)
SANDBOX_SID = "AC00000000000000000000000000000000"


def seed_state(numbers: int, directory: Path, updates: int = 0) -> tuple[Path, Path]:
    """A state file of ``numbers`` numbers (benchmark.py's account) and the
    manifest that declares it, the first ``updates`` with a new voice_url;
    run in a child, so the parent stays small."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[3]);"
        "from bench_stages import _seed;"
        "_seed(int(sys.argv[1]), sys.argv[2], int(sys.argv[4]))"
    )
    here = str(Path(__file__).parent)
    command = [sys.executable, "-c", code, str(numbers), str(directory), here]
    subprocess.run(command + [str(updates)], check=True)
    return directory / "sandbox.db", directory / "twilio.yaml"


def _seed(numbers: int, directory: str, updates: int = 0) -> None:
    from benchmark import seed

    path = Path(directory) / "sandbox.db"
    emulator, manifest = seed(numbers, updates, state_path=path)
    (Path(directory) / "twilio.yaml").write_text(manifest, encoding="utf-8")
    # Changes made outside a transaction are written by the next one.
    with emulator._lock, emulator.store.transaction():
        pass
    emulator.close()


@contextmanager
def served(state: Path, latency: str = "0ms") -> Iterator[str]:
    command = [sys.executable, "-m", "twilio_iac", "emulator", "serve"]
    command += ["--port", "0", "--state", str(state), "--latency", latency]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO")}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    try:
        yield line.split("listening on ")[1].split()[0]
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()


def client_env(base: str | None, state: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO")}
    if base is not None:
        from twilio_iac.apis import APIS
        from twilio_iac.emulator import SANDBOX_CREDENTIALS

        env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"] = SANDBOX_CREDENTIALS
        env |= {api.base_url_var: base for api in APIS.values()}
    if state is not None:
        env["TWILIO_IAC_SANDBOX_STATE"] = str(state)
    return env


def measure(command: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """CPU (user + sys, s) and peak RSS (MiB) of one run of ``command``."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(command)} failed:\n{err.decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def commands(
    numbers: int, state: Path, manifest: Path, base: str, runs: int, work: Path
) -> dict[str, tuple[float, float]]:
    cli = [sys.executable, "-m", "twilio_iac"]
    sandbox = work / "sandbox-copy.db"
    shutil.copy(state, sandbox)
    cases: dict[str, tuple[list[str], dict[str, str]]] = {
        "--version": (cli + ["--version"], client_env(None)),
        "--help": (cli + ["--help"], client_env(None)),
        "validate": (cli + ["validate", str(manifest)], client_env(None)),
        "plan (served)": (cli + ["plan", str(manifest)], client_env(base)),
        "--sandbox plan": (
            cli + ["--sandbox", "plan", str(manifest)],
            client_env(None, sandbox),
        ),
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(runs):  # alternate, so that load spreads over every case
        for name, (command, env) in cases.items():
            results[name].append(measure(command, env))
    return {
        name: (min(c for c, _ in got), min(r for _, r in got))
        for name, got in results.items()
    }


def stages(manifest: Path, base: str, runs: int) -> dict[str, float]:
    best: dict[str, float] = {}
    for _ in range(runs):
        command = [sys.executable, __file__, "--child", str(manifest)]
        out = subprocess.run(
            command, env=client_env(base), check=True, capture_output=True, text=True
        )
        got = json.loads(out.stdout.splitlines()[-1])
        best = {k: min(v, best.get(k, v)) for k, v in got.items()}
    return best


def child(manifest: Path) -> dict[str, float]:
    """The stages of one plan, as `twilio-iac plan` runs them."""
    start = time.process_time()
    # What `twilio-iac plan` imports before it reads a manifest.
    import twilio_iac.cli
    import twilio_iac.cli.reconcile
    import twilio_iac.cli.session
    import twilio_iac.reconcile.run  # noqa: F401
    from twilio_iac import logs
    from twilio_iac.manifests.collector import paused_gc

    logs.configure(debug=False, fmt="text")  # as the CLI does
    gc.freeze()  # as the CLI does once the verb is imported
    times = {"imports": time.process_time() - start}
    with paused_gc():  # as reconcile/run.py does, from reading to the plan
        pipeline(manifest, times)
    return times


def pipeline(manifest: Path, times: dict[str, float]) -> None:
    """desired.load, then prefetch.plan_loaded, split into their stages."""
    from twilio_iac.cli.session import connect
    from twilio_iac.reconcile import prefetch, workflow

    wanted = _desired_stages(manifest, times)
    with connect(False, None, os.environ) as client, prefetch.paused_gc():
        state = _live_stages(client, wanted, times)
        timed(times, "diff+planning", lambda: workflow.make_plan(wanted, client, state))


def _desired_stages(manifest: Path, times: dict[str, float]) -> Any:
    """desired.load, stage by stage."""
    from twilio_iac.manifests import desired, layers, pools, reader, schema
    from twilio_iac.manifests.located import load

    env, groups = os.environ, [reader.expand([manifest])]
    files = [(layer, f) for layer, fs in enumerate(groups) for f in fs]
    texts = [(layer, f, reader._text(f)) for layer, f in files]
    data = timed(times, "YAML with marks", lambda: [load(t) for _, _, t in texts])
    pairs = zip(texts, data, strict=True)
    documents = [reader.Document(f, d, layer) for (layer, f, _), d in pairs]
    secrets = reader.logs.credentials(env)

    def interpolate() -> None:
        for d in documents:
            reader._interpolate(d.file, d.data, "", 1, env, secrets)

    timed(times, "interpolation", interpolate)
    parsed = timed(times, "layers", lambda: _layers(reader, layers, documents, groups))
    timed(times, "schema", lambda: [schema._schema_reasons(d) for d in documents])
    again: dict[str, float] = {}  # the proof again, compiled: what check repeats
    timed(again, "schema", lambda: [schema._schema_reasons(d) for d in documents])
    warnings = timed(times, "own checks", lambda: schema.check(parsed))
    times["own checks"] -= again["schema"]

    def build() -> Any:
        built = [desired.build(entry) for entry in parsed.entries]
        resources = pools.resolve(desired._distinct(built))
        return desired.Desired(
            resources={resource.key: resource for resource in resources},
            account_sid=parsed.account_sid,
            prune=parsed.prune,
            files=parsed.files,
            warnings=warnings,
            ignore=desired._ignore(parsed.ignore),
            layers=parsed.layers,
        )

    return timed(times, "building desired", build)


def _live_stages(client: Any, wanted: Any, times: dict[str, float]) -> Any:
    """live.fetch, its reads and decoding apart from its normalising."""
    from twilio_iac.reconcile import live, selection
    from twilio_iac.reconcile.pools import live as pool_live
    from twilio_iac.resources import REGISTRY

    kinds = [REGISTRY[kind] for kind in sorted(selection.reads(wanted, None))]
    sid = client.account_sid

    def fetch() -> dict[str, list[dict[str, Any]]]:
        return {
            rt.kind: [
                record
                for page in client.raw_pages(rt.api, rt.path(sid), rt.list_key)
                for record in page()
            ]
            for rt in kinds
        }

    raw = timed(times, "fetch+JSON", fetch)

    def normalise() -> dict[str, list[Any]]:
        return {k: [live.normalize(REGISTRY[k], r) for r in v] for k, v in raw.items()}

    state = timed(times, "normalising live", normalise)
    return timed(
        times,
        "fetch+JSON",
        lambda: {k: pool_live.fetch(client, REGISTRY[k], v) for k, v in state.items()},
    )


def _layers(reader: Any, layers: Any, documents: list[Any], groups: Any) -> Any:
    """reader.read after parsing and interpolating."""
    declared = layers.declarations(documents)
    changes = layers.overrides(documents)
    entries, override_problems = layers.apply_overrides(declared, changes)
    account_sid, sid_problems = layers.account_sid(documents)
    rules = layers.ignore_rules(documents)
    problems = sid_problems + layers.duplicates(declared) + override_problems
    problems += layers.ignored_declarations(entries, rules)
    return reader.Manifest(
        documents=tuple(documents),
        entries=tuple(entries),
        account_sid=account_sid,
        prune=layers.prune(documents),
        problems=tuple(problems),
        ignore=tuple(rules),
        overrides=tuple(changes),
        layers=tuple(tuple(files) for files in groups),
    )


def timed(times: dict[str, float], name: str, work: Callable[[], Any]) -> Any:
    start = time.process_time()
    result = work()
    times[name] = times.get(name, 0.0) + time.process_time() - start
    return result


APPLY_UPDATES, APPLY_LATENCY, APPLY_PARALLELISM = 1_000, 0.05, 10


def served_apply(runs: int) -> tuple[float, float, float]:
    """`twilio-iac apply --auto-approve` of 1,000 updates against `emulator
    serve --latency 50ms`: the best wall and CPU of ``runs``, and the floor
    (one round of reads, then the writes, ten at a time)."""
    walls, cpus = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            state, manifest = seed_state(APPLY_UPDATES, Path(tmp), APPLY_UPDATES)
            with served(state, f"{APPLY_LATENCY * 1000:g}ms") as base:
                command = [sys.executable, "-m", "twilio_iac", "apply"]
                command += ["--auto-approve", str(manifest)]
                start = time.perf_counter()
                cpu, _ = measure(command, client_env(base))
                walls.append(time.perf_counter() - start)
                cpus.append(cpu)
    rounds = 1 + APPLY_UPDATES / APPLY_PARALLELISM
    return min(walls), min(cpus), rounds * APPLY_LATENCY


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min), {os.cpu_count()} CPUs"


def table(
    sizes: Sequence[int],
    stage: dict[int, dict[str, float]],
    whole: dict[int, dict[str, tuple[float, float]]],
) -> str:
    head = " | ".join(f"{n:,}" for n in sizes)
    lines = [f"| stage (CPU s) | {head} |", "|---|" + "---|" * len(sizes)]
    for name in STAGES:
        cells = " | ".join(f"{stage[n].get(name, 0.0):.3f}" for n in sizes)
        lines.append(f"| {name} | {cells} |")
    totals = " | ".join(f"{sum(stage[n].values()):.3f}" for n in sizes)
    lines.append(f"| total of the stages | {totals} |")
    lines += ["", f"| command (CPU s / peak RSS MiB) | {head} |"]
    lines.append("|---|" + "---|" * len(sizes))
    for name in whole[sizes[0]]:
        cells = " | ".join(
            f"{whole[n][name][0]:.3f} / {whole[n][name][1]:.0f}" for n in sizes
        )
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, action="append")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--apply", action="store_true", help="also a served apply of 1,000 updates"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(Path(args.child))))
        return 0
    sizes = args.numbers or [10_000, 50_000]
    stage: dict[int, dict[str, float]] = {}
    whole: dict[int, dict[str, tuple[float, float]]] = {}
    before = load()
    for numbers in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            state, manifest = seed_state(numbers, work)
            with served(state) as base:
                stage[numbers] = stages(manifest, base, args.runs)
                whole[numbers] = commands(
                    numbers, state, manifest, base, args.runs, work
                )
    print(f"Before: {before}; after: {load()}; peak RSS of self {_rss():.0f} MiB")
    print(table(sizes, stage, whole))
    if args.apply:
        wall, cpu, floor = served_apply(args.runs)
        print(
            f"\nServed apply of {APPLY_UPDATES:,} updates at 50 ms, parallelism "
            f"{APPLY_PARALLELISM}: {wall:.2f} s wall ({wall / floor:.2f}x its "
            f"{floor:.2f} s floor), {cpu:.2f} s CPU; {load()}"
        )
    return 0


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    sys.exit(main())
