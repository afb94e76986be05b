"""Latency, the concurrency limit and fault options: what a client under load sees."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from click.testing import CliRunner

from twilio_iac.cli import cli
from twilio_iac.cli.session import parse_duration, sandbox_options
from twilio_iac.emulator import Emulator
from twilio_iac.errors import ConfigError

from .test_emulator import P, Reply, call

QUEUES = f"{P}/Queues.json"


def _in_threads(count: int, work: Callable[[int], Reply]) -> list[Reply]:
    replies: list[Reply | None] = [None] * count

    def run(index: int) -> None:
        replies[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert all(reply is not None for reply in replies)
    return replies  # type: ignore[return-value]


def test_latency_is_waited_outside_the_lock() -> None:
    # Every request waits in its latency until all of them are there: if the
    # wait were serialised, the barrier would break instead.
    barrier = threading.Barrier(6, timeout=5)
    app = Emulator(latency=lambda: barrier.wait() * 0)
    replies = _in_threads(
        6, lambda i: call(app, "POST", QUEUES, {"FriendlyName": f"q{i}"})
    )
    assert [reply.status for reply in replies] == [201] * 6
    assert len(app.records("queues")) == 6
    logged = app.requests
    assert [entry.method for entry in logged] == ["POST"] * 6
    # All six were in flight at once: each started before any ended.
    assert max(entry.start for entry in logged) < min(entry.end for entry in logged)
    assert ("FriendlyName", "q0") in {p for entry in logged for p in entry.params}


def test_a_fixed_latency_is_added_to_every_request() -> None:
    app = Emulator(latency=0.05)
    call(app, "GET", QUEUES)
    (entry,) = app.requests
    assert entry.end - entry.start >= 0.05
    assert (entry.method, entry.path, entry.status) == ("GET", QUEUES, 200)


def test_over_the_rate_limit_twilio_429_and_retry_after() -> None:
    arrived = threading.Semaphore(0)
    release = threading.Event()
    holding = iter(range(2))

    def latency() -> float:
        # The first two requests stay in flight until released.
        if next(holding, None) is not None:
            arrived.release()
            release.wait(5)
        return 0.0

    app = Emulator(latency=latency, rate_limit=2)
    held = [threading.Thread(target=call, args=(app, "GET", QUEUES)) for _ in range(2)]
    for thread in held:
        thread.start()
    for _ in held:
        assert arrived.acquire(timeout=5)
    refused = call(app, "POST", QUEUES, {"FriendlyName": "late"})
    release.set()
    for thread in held:
        thread.join(timeout=5)
    assert refused.status == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.body == {
        "code": 20429,
        "message": "Too Many Requests",
        "more_info": "https://www.twilio.com/docs/errors/20429",
        "status": 429,
    }
    assert app.records("queues") == []  # the refused write did nothing
    # Once the others are done, the account has room again.
    assert call(app, "POST", QUEUES, {"FriendlyName": "now"}).status == 201
    assert sorted(entry.status for entry in app.requests) == [200, 200, 201, 429]


def test_the_limit_is_per_account() -> None:
    release = threading.Event()
    arrived = threading.Semaphore(0)
    first = iter([True])

    def latency() -> float:
        if next(first, False):
            arrived.release()
            release.wait(5)
        return 0.0

    app = Emulator(rate_limit=1)
    sub = call(app, "POST", "/2010-04-01/Accounts.json", {"FriendlyName": "c"}).body
    app.latency = latency
    held = threading.Thread(target=call, args=(app, "GET", QUEUES))
    held.start()
    assert arrived.acquire(timeout=5)
    other = call(app, "GET", f"/2010-04-01/Accounts/{sub['sid']}/Queues.json")
    # Off the 2010 API, the credentials name the account counted.
    own = call(app, "GET", "/v2/Services", auth=(sub["sid"], sub["auth_token"]))
    same = call(app, "GET", QUEUES)
    mains = call(app, "GET", "/v2/Services")
    release.set()
    held.join(timeout=5)
    assert (other.status, own.status) == (200, 200)
    assert (same.status, mains.status) == (429, 429)


def test_a_fault_carries_headers() -> None:
    app = Emulator()
    app.add_fault(
        "POST",
        r"/Queues\.json$",
        429,
        20429,
        "Too Many Requests",
        headers={"Retry-After": "120"},
    )
    reply = call(app, "POST", QUEUES, {"FriendlyName": "q"})
    assert reply.status == 429 and reply.headers["Retry-After"] == "120"
    assert reply.body["code"] == 20429
    assert app.records("queues") == []
    assert call(app, "POST", QUEUES, {"FriendlyName": "q"}).status == 201


def test_a_slow_answer_lands_its_write_first() -> None:
    # Twilio applies the create, the answer comes after the client gave up.
    app = Emulator()
    app.add_fault("POST", r"/Queues\.json$", delay=0.5, apply=True)
    replies: list[Reply] = []
    worker = threading.Thread(
        target=lambda: replies.append(
            call(app, "POST", QUEUES, {"FriendlyName": "slow"})
        )
    )
    worker.start()
    landed = threading.Event()
    while worker.is_alive() and not landed.is_set():
        if app.records("queues"):
            landed.set()
        landed.wait(0.01)
    still_answering = worker.is_alive()
    worker.join(timeout=5)
    assert landed.is_set() and still_answering
    assert replies[0].status == 201 and replies[0].body["friendly_name"] == "slow"
    (entry,) = app.requests
    assert entry.end - entry.start >= 0.5


def test_an_applied_fault_can_still_fail_the_answer() -> None:
    app = Emulator()
    app.add_fault("POST", r"/Queues\.json$", 500, 20500, "Internal error", apply=True)
    reply = call(app, "POST", QUEUES, {"FriendlyName": "half"})
    assert reply.status == 500 and reply.body["code"] == 20500
    assert [q["friendly_name"] for q in app.records("queues")] == ["half"]


def test_a_fault_without_status_needs_a_delay_or_apply() -> None:
    with pytest.raises(ValueError, match="status is missing"):
        Emulator().add_fault("GET", "Queues")
    with pytest.raises(ValueError, match="delay should be a number"):
        Emulator().add_fault("GET", "Queues", delay=-1)
    with pytest.raises(ValueError, match="headers.Retry-After should be a string"):
        Emulator().add_fault(
            "GET", "Queues", 429, 20429, "x", headers={"Retry-After": 1}
        )  # type: ignore[dict-item]


def test_durations_and_options_from_the_environment() -> None:
    assert parse_duration("50ms", "x") == pytest.approx(0.05)
    assert parse_duration("0.2s", "x") == pytest.approx(0.2)
    assert parse_duration("0", "x") == 0.0
    with pytest.raises(ConfigError, match="x is '50', not a duration"):
        parse_duration("50", "x")  # 50 ms or 50 s? A unit is needed
    with pytest.raises(ConfigError, match="x is 'soon', not a duration"):
        parse_duration("soon", "x")
    env = {"TWILIO_IAC_SANDBOX_LATENCY": "50ms", "TWILIO_IAC_SANDBOX_RATE_LIMIT": "3"}
    assert sandbox_options(env) == {
        "latency": pytest.approx(0.05),
        "rate_limit": 3,
        "clock": None,
    }
    assert sandbox_options({"TWILIO_IAC_SANDBOX_CLOCK": "Manual"})["clock"] == "manual"
    with pytest.raises(ConfigError, match="TWILIO_IAC_SANDBOX_CLOCK is 'fast'"):
        sandbox_options({"TWILIO_IAC_SANDBOX_CLOCK": "fast"})
    with pytest.raises(ConfigError, match="TWILIO_IAC_SANDBOX_RATE_LIMIT is '0'"):
        sandbox_options({"TWILIO_IAC_SANDBOX_RATE_LIMIT": "0"})


def test_the_in_process_sandbox_reads_its_pacing_from_the_environment(
    tmp_path, monkeypatch
) -> None:
    from twilio_iac.cli import session as session_module

    seen: dict[str, object] = {}
    real = Emulator.__init__

    def spy(self: Emulator, *args: object, **kwargs: object) -> None:
        real(self, *args, **kwargs)  # type: ignore[arg-type]
        seen.update(latency=self.latency, rate_limit=self.rate_limit)

    monkeypatch.setattr(Emulator, "__init__", spy)
    env = {
        "TWILIO_IAC_SANDBOX_STATE": str(tmp_path / "s.db"),
        "TWILIO_IAC_SANDBOX_LATENCY": "5ms",
        "TWILIO_IAC_SANDBOX_RATE_LIMIT": "4",
    }
    with session_module.session(True, env=env):
        pass
    assert seen == {"latency": pytest.approx(0.005), "rate_limit": 4}


def test_serve_refuses_a_bad_latency(state_path) -> None:
    result = CliRunner().invoke(cli, ["emulator", "serve", "--latency", "fast"])
    assert result.exit_code == 1
    assert "--latency is 'fast', not a duration" in result.stderr
