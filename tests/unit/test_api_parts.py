"""The httpx-free parts of the client: retry decisions, page walking, and the
rule that client.py alone talks HTTP; downloads retried by the one loop."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from tests.unit.test_client import Recorder, make_client, twilio_error
from twilio_iac.api import paging, wire
from twilio_iac.api.retry import Policy, Retries, parse_retry_after
from twilio_iac.errors import ApiError, RateLimited

API = Path(__file__).resolve().parents[2] / "twilio_iac"


def _policy(**overrides: object) -> Policy:
    values = {"max_attempts": 3, "max_wait": 60.0, "max_retry_wait": 300.0}
    values.update(overrides)
    return Policy(**values, uniform=lambda low, high: high)  # type: ignore[arg-type]


def test_only_the_client_module_imports_httpx() -> None:
    importers = []
    for path in API.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(name.split(".")[0] == "httpx" for name in names):
                importers.append(path.relative_to(API).as_posix())
    assert set(importers) == {"api/client.py"}


# -- retry decisions ----------------------------------------------------------


def test_retry_after_is_seconds_or_an_http_date() -> None:
    assert parse_retry_after(" 3 ") == 3.0
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("") is None and parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    assert 80 < (parse_retry_after(later) or 0) <= 90


def test_server_errors_back_off_exponentially_until_out_of_attempts() -> None:
    retries = Retries(_policy())
    steps = []
    for _ in range(3):
        retries.begin()
        steps.append(retries.after(503, None))
    assert [step.delay for step in steps] == [0.5, 1.0, 2.0]
    assert [step.give_up for step in steps] == [False, False, True]
    assert steps[-1].hint is None


def test_a_429_is_counted_once_and_does_not_use_up_attempts() -> None:
    retries = Retries(_policy(max_attempts=1))
    steps = []
    for _ in range(4):
        retries.begin()
        steps.append(retries.after(429, 0.0))
    assert not any(step.give_up for step in steps)
    assert [step.first_throttle for step in steps] == [True, False, False, False]
    assert not retries.throttled  # a Retry-After of 0 waited nothing


def test_429s_past_max_retry_wait_give_up_saying_how_long() -> None:
    retries = Retries(_policy(max_retry_wait=120.0))
    retries.begin()
    step = retries.after(429, 100.0)
    assert step.asked and not step.give_up and retries.throttled
    retries.begin()
    step = retries.after(429, 30.0)
    assert step.give_up and "kept answering 429" in (step.hint or "")
    assert "--max-retry-wait (2 min)" in (step.hint or "")


# -- page walking -------------------------------------------------------------

BASE = "https://api.twilio.com"


def _pages(*bodies: dict) -> dict[str, bytes]:
    return {f"{BASE}/p{i}": json.dumps(body).encode() for i, body in enumerate(bodies)}


def _walk(served: dict[str, bytes]) -> list[list[dict]]:
    read: list[str] = []

    def fetch(url: str, query: paging.Query) -> paging.Fetched:
        read.append(url)
        content = served[url]
        return paging.Fetched(content, lambda: json.loads(content))

    def next_url(body: object) -> str | None:
        return wire.next_page_url(body, BASE, BASE)  # type: ignore[arg-type]

    first = next(iter(served))
    pages = paging.walk(first, (("PageSize", "2"),), fetch, "items", next_url)
    return [decode() for decode in pages]


def test_walk_follows_next_page_uri_to_the_end() -> None:
    served = _pages(
        {"items": [{"n": 1}], "next_page_uri": "/p1"},
        {"items": [{"n": 2}], "next_page_uri": None},
    )
    assert _walk(served) == [[{"n": 1}], [{"n": 2}]]


def test_walk_refuses_a_loop_and_a_body_without_the_list() -> None:
    with pytest.raises(ApiError, match="pagination loops"):
        _walk(_pages({"items": [], "next_page_uri": "/p0"}))
    with pytest.raises(ApiError, match="no 'items' list"):
        _walk(_pages({"rows": [], "next_page_uri": None}))


# -- downloads share the retry loop --------------------------------------------


def test_download_retries_a_503_then_streams() -> None:
    delays: list[float] = []
    recorder = Recorder(
        twilio_error(503, 20503, "Service unavailable"),
        httpx.Response(200, content=b"audio", headers={"Content-Type": "audio/x"}),
    )
    chunks: list[bytes] = []
    with make_client(recorder, delays) as client:
        kind = client.download("core", "/2010-04-01/Recordings/RE1.mp3", chunks.append)
        assert client.request_count == 2
    assert kind == "audio/x" and chunks == [b"audio"] and len(delays) == 1


def test_download_gives_up_after_the_attempts_with_twilios_error() -> None:
    delays: list[float] = []
    recorder = Recorder(twilio_error(503, 20503, "Service unavailable"))
    with (
        make_client(recorder, delays, max_attempts=2) as client,
        pytest.raises(ApiError) as caught,
    ):
        client.download("core", "/2010-04-01/Recordings/RE1.mp3", lambda _: None)
    assert caught.value.status == 503 and caught.value.code == 20503
    assert len(recorder.requests) == 2 and len(delays) == 1


def test_download_honours_retry_after_like_any_get() -> None:
    delays: list[float] = []
    recorder = Recorder(
        httpx.Response(429, headers={"Retry-After": "600"}, json={"code": 20429}),
    )
    with (
        make_client(recorder, delays, max_retry_wait=300) as client,
        pytest.raises(RateLimited, match="Twilio asked to wait 10 min"),
    ):
        client.download("core", "/2010-04-01/Recordings/RE1.mp3", lambda _: None)
    assert delays == []  # nothing slept: the wait was too long
