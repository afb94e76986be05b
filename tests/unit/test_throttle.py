"""WriteGate: AIMD on writes in flight, and Retry-After holding new writes."""

from __future__ import annotations

import threading

from twilio_iac.api.throttle import WriteGate


def test_a_burst_of_429s_halves_once_and_rounds_of_successes_grow_it_back() -> None:
    gate = WriteGate(10, sleep=lambda _s: None)
    slots = [gate.slot() for _ in range(8)]
    held = [s.__enter__() for s in slots]
    for slot in held:  # all sent before the first 429 was seen
        slot.throttled(None)
    for s in slots:
        s.__exit__(None, None, None)
    assert gate.limit == 5 and gate.lowest == 5
    with gate.slot() as slot:  # sent after the halving: halves again
        slot.throttled(None)
    assert gate.limit == 2
    for _ in range(2):
        with gate.slot() as slot:
            slot.succeeded()
    assert gate.limit == 3  # one per round of `limit` successes
    for _ in range(3 + 4 + 5 + 6 + 7 + 8 + 9 + 20):
        with gate.slot() as slot:
            slot.succeeded()
    assert gate.limit == 10  # never above the ceiling


def test_no_more_writes_in_flight_than_the_limit() -> None:
    gate = WriteGate(3, sleep=lambda _s: None)
    entered = threading.Semaphore(0)
    release = threading.Event()

    def write() -> None:
        with gate.slot():
            entered.release()
            release.wait(5)

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for _ in range(3):
        assert entered.acquire(timeout=5)
    assert not entered.acquire(timeout=0.1)
    assert gate.in_flight == 3
    release.set()
    for thread in threads:
        thread.join(5)
    assert gate.peak == 3 and gate.in_flight == 0


def test_retry_after_holds_new_writes_but_not_the_one_that_waited() -> None:
    now = [100.0]
    slept: list[float] = []
    gate = WriteGate(4, clock=lambda: now[0], sleep=slept.append)
    with gate.slot() as slot:
        slot.throttled(30.0)
    with gate.slot(waited=True):
        pass
    assert slept == []
    with gate.slot():
        pass
    assert slept == [30.0]
