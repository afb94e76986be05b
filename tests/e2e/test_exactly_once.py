"""Exactly once: a slow create is never sent twice, two applies at once are
caught, a long Retry-After is honoured up to --max-retry-wait, and SIGINT
stops an apply that a rerun then finishes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Emulator
from twilio_iac.errors import OutcomeUnknown
from twilio_iac.manifests import desired
from twilio_iac.reconcile import applier
from twilio_iac.reconcile.executor import Status
from twilio_iac.reconcile.workflow import make_plan
from twilio_iac.render import apply as apply_render

MANIFEST = """
applications:
  - friendly_name: slow-app
phone_numbers:
  - phone_number: "+14155550100"
    voice_application: slow-app
"""
APPS = r"/Applications.json"


def _throttle(emulator: Emulator, retry_after: str) -> None:
    """The next application create is refused with a 429 and this Retry-After."""
    emulator.add_fault(
        "POST",
        r"/Applications\.json$",
        429,
        20429,
        "Too Many Requests",
        headers={"Retry-After": retry_after},
    )


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class LateCreate:
    """Holds the create of an application `lands_after` seconds before the
    emulator carries it out: the client has timed out by then."""

    def __init__(self, emulator: Emulator, lands_after: float) -> None:
        self.emulator = emulator
        self.lands_after = lands_after

    def __call__(self, environ: dict[str, Any], start: Any) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith(APPS):
            time.sleep(self.lands_after)
        return self.emulator(environ, start)


@contextmanager
def served(app: Callable[..., Iterable[bytes]]) -> Iterator[str]:
    server = make_server(
        "127.0.0.1", 0, app, server_class=_Server, handler_class=_Quiet
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _http_client(base_url: str, timeout: float) -> TwilioClient:
    env = {
        "TWILIO_ACCOUNT_SID": SANDBOX_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": SANDBOX_AUTH_TOKEN,
        "TWILIO_API_BASE_URL": base_url,
    }
    return TwilioClient(Settings.from_env(env), timeout=timeout)


def _plan(client: TwilioClient, tmp_path: Path, manifest: str = MANIFEST) -> Any:
    path = tmp_path / "twilio.yaml"
    path.write_text(textwrap.dedent(manifest).lstrip(), encoding="utf-8")
    return make_plan(desired.load([path], env={}), client)


def _creates(emulator: Emulator) -> int:
    return sum(
        1 for r in emulator.requests if r.method == "POST" and r.path.endswith(APPS)
    )


def test_a_create_answered_after_the_timeout_lands_exactly_once(tmp_path: Path) -> None:
    emulator = Emulator()
    # Lands after the 0.3 s timeout, but within the window it is looked for.
    with (
        served(LateCreate(emulator, lands_after=0.45)) as url,
        _http_client(url, timeout=0.3) as client,
    ):
        report = applier.apply(_plan(client, tmp_path), client, parallelism=4)
    assert report.ok, apply_render.report(report)
    (app,) = emulator.records("applications")
    assert _creates(emulator) == 1
    number = next(
        r
        for r in emulator.records("phone_numbers")
        if r["phone_number"] == "+14155550100"
    )
    assert number["voice_application_sid"] == app["sid"]


def test_a_create_that_never_shows_up_is_outcome_unknown_and_not_resent(
    tmp_path: Path,
) -> None:
    emulator = Emulator()
    with served(LateCreate(emulator, lands_after=1.5)) as url:
        with _http_client(url, timeout=0.3) as client:
            report = applier.apply(_plan(client, tmp_path), client)
        (failed,) = report.failed
        assert isinstance(failed.error, OutcomeUnknown)
        (skipped,) = report.skipped
        assert skipped.step.change.name == "+14155550100"
        text = apply_render.report(report)
        assert "outcome unknown" in text and "wait a minute" in text
        time.sleep(1.5)  # the slow original lands in the meantime
    assert _creates(emulator) == 1
    assert len(emulator.records("applications")) == 1


def test_two_applies_at_once_are_detected_and_name_the_duplicates(
    tmp_path: Path,
) -> None:
    emulator = Emulator(latency=0.05)
    settings = Settings.from_env({}, sandbox=(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN))
    clients = [TwilioClient(settings, app=emulator) for _ in range(2)]
    plans = [_plan(c, tmp_path) for c in clients]
    reports: list[Any] = [None, None]

    def run(i: int) -> None:
        reports[i] = applier.apply(plans[i], clients[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    sids = sorted(r["sid"] for r in emulator.records("applications"))
    assert len(sids) == 2
    for report in reports:
        assert not report.ok
        (dup,) = report.duplicates
        assert (dup.kind, dup.name) == ("applications", "slow-app")
        assert sorted(dup.sids) == sids
        text = apply_render.report(report)
        assert "another apply probably ran at the same time" in text
        assert all(sid in text for sid in sids)


def test_long_retry_after_is_honoured_up_to_the_limit(tmp_path: Path) -> None:
    emulator = Emulator()
    _throttle(emulator, "120")
    slept: list[float] = []
    settings = Settings.from_env({}, sandbox=(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN))
    with TwilioClient(settings, app=emulator, sleep=slept.append) as client:
        report = applier.apply(_plan(client, tmp_path), client)
    # The create slept Twilio's 120 s; the number's update, started after the
    # 429, waited out what was left of it.
    assert report.ok and slept[0] == 120.0 and report.retried_after_429 == 1
    assert len(slept) == 2 and slept[1] <= 120.0
    assert "1 request retried after 429 (Twilio asked to slow down)" in (
        apply_render.report(report)
    )

    emulator = Emulator()
    _throttle(emulator, "600")
    slept.clear()
    with TwilioClient(settings, app=emulator, sleep=slept.append) as client:
        report = applier.apply(_plan(client, tmp_path), client)
    assert slept == []
    (failed,) = report.failed
    assert "Twilio asked to wait 10 min (Retry-After)" in str(failed.error)
    assert [o.status for o in report.outcomes] == [Status.FAILED, Status.SKIPPED]


def _cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "twilio_iac", "--sandbox", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_launching_reports_and_a_rerun_converges(
    tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    lines = ["phone_numbers:"]
    for offset in range(60):
        lines += [
            f'  - phone_number: "+{14155560000 + offset}"',
            "    voice_url: https://new-host.example.com/voice",
        ]
    manifest = tmp_path / "twilio.yaml"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    state = tmp_path / "sandbox.db"
    seeded = Emulator(state_path=state)
    seeded.seed_phone_numbers(60, "+14155560000")
    seeded.close()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TWILIO_", "MATON_"))
    }
    env |= {
        "TWILIO_IAC_SANDBOX_STATE": str(state),
        "TWILIO_IAC_SANDBOX_LATENCY": "100ms",
    }
    args = ("apply", str(manifest), "--auto-approve", "--parallelism", "2")
    process = _cli(*args, env=env)
    assert process.stdout is not None
    # Wait until writes are under way, then signal.
    for line in process.stdout:
        if line.startswith("✓"):
            break
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    assert process.returncode == code, err
    assert f"Apply interrupted ({sig.name})" in err
    assert "Never started (" in err and "Done (" in err
    done = int(err.split("Done (")[1].split(")")[0])
    assert 0 < done < 60

    rerun = _cli(*args, env=env)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert f"Apply complete: {60 - done} change(s) made." in out
    check = _cli("plan", str(manifest), env=env)
    out, _ = check.communicate(timeout=60)
    assert "No changes." in out


def test_dedupe_deletes_the_newer_unused_copy_behind_the_flag(
    run: Any, write: Any, sandbox: Any
) -> None:
    path = write("twilio.yaml", MANIFEST)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    emulator = sandbox()
    (kept,) = emulator.records("applications")
    copy = emulator.insert("applications", friendly_name="slow-app")["sid"]
    emulator.close()

    refused = run("plan", str(path))
    assert refused.exit_code == 1
    assert f"({copy}) can be deleted" in refused.stderr
    assert "--dedupe" in refused.stderr

    offered = run("plan", str(path), "--dedupe")
    assert offered.exit_code == 0, offered.stderr
    assert f'- applications "slow-app"  {copy}' in offered.stdout
    assert f"a duplicate of {kept['sid']}" in offered.stdout
    assert (
        "Plan: 0 to create, 0 to update, 0 to replace, 1 to delete." in offered.stdout
    )

    applied = run("apply", str(path), "--dedupe", "--auto-approve")
    assert applied.exit_code == 0, applied.stderr
    assert [r["sid"] for r in sandbox().records("applications")] == [kept["sid"]]
    assert "No changes." in run("plan", str(path)).stdout


def test_cli_retry_after_beyond_max_retry_wait_says_how_long(
    run: Any, write: Any, sandbox: Any
) -> None:
    emulator = sandbox()
    _throttle(emulator, "600")
    emulator.close()
    path = write("twilio.yaml", MANIFEST)
    result = run("apply", str(path), "--auto-approve", "--max-retry-wait", "2m")
    assert result.exit_code == 1
    assert "Twilio asked to wait 10 min (Retry-After)" in result.stderr
    assert "longer than --max-retry-wait (2 min)" in result.stderr
    assert "1 failed, 1 skipped" in result.stderr

    bad = run("apply", str(path), "--auto-approve", "--max-retry-wait", "soon")
    assert bad.exit_code == 1 and "not a duration like 90s, 5m or 300" in bad.stderr


def test_a_signal_cuts_a_long_retry_after_short(tmp_path: Path) -> None:
    manifest = tmp_path / "twilio.yaml"
    manifest.write_text(textwrap.dedent(MANIFEST).lstrip(), encoding="utf-8")
    state = tmp_path / "sandbox.db"
    seeded = Emulator(state_path=state)
    _throttle(seeded, "120")
    seeded.close()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TWILIO_", "MATON_"))
    }
    env["TWILIO_IAC_SANDBOX_STATE"] = str(state)
    process = _cli("apply", str(manifest), "--auto-approve", env=env)
    assert process.stdout is not None
    for line in process.stdout:
        if "waiting 120 s" in line:
            break
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    # Not the 120 s Twilio asked for: the wait ends with the run.
    assert time.monotonic() - started < 20
    assert "not sent: the run was interrupted" in err
    assert "1 failed, 1 skipped" in err
    assert len(Emulator(state_path=state).records("applications")) == 0


def test_dedupe_says_why_it_cannot_choose_when_both_copies_are_used(
    run: Any, write: Any, sandbox: Any
) -> None:
    path = write("twilio.yaml", MANIFEST)
    assert run("apply", str(path), "--auto-approve").exit_code == 0
    emulator = sandbox()
    (kept,) = emulator.records("applications")
    copy = emulator.insert("applications", friendly_name="slow-app")["sid"]
    other = emulator.insert(
        "phone_numbers", phone_number="+14155550177", voice_application_sid=copy
    )
    emulator.close()

    refused = run("plan", str(path), "--dedupe")
    assert refused.exit_code == 1
    text = refused.stderr
    assert "--dedupe cannot choose" in text and "Traceback" not in text
    assert (
        f"{kept['sid']} is used by phone number +14155550100 (voice_application)"
        in text
    )
    assert (
        f"{copy} is used by phone number {other['phone_number']} (voice_application)"
        in text
    )
    assert f"`sid: {kept['sid']}`" in text and "twilio.yaml:2" in text
    assert f"point phone number {other['phone_number']} at {kept['sid']}" in text
