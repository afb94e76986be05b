"""TwilioClient against httpx.MockTransport: encoding, pages, errors, retries, logs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from urllib.parse import parse_qsl

import httpx
import pytest
import structlog
from structlog.testing import capture_logs

from twilio_iac import logs
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import Settings
from twilio_iac.emulator import SANDBOX_CREDENTIALS
from twilio_iac.errors import (
    ApiError,
    AuthError,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    TransportError,
)

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "auth-token-value-do-not-print"
MATON = "maton-key-value-do-not-print"
ENV = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}
QUEUES = f"/2010-04-01/Accounts/{SID}/Queues.json"

Handler = Callable[[httpx.Request], httpx.Response]


def twilio_error(status: int, code: int, message: str) -> httpx.Response:
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    body = {"code": code, "message": message, "more_info": more_info, "status": status}
    return httpx.Response(status, json=body)


class Recorder:
    """A MockTransport handler that answers from a script and keeps the requests."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer

    def form(self, index: int = -1) -> list[tuple[str, str]]:
        body = self.requests[index].content.decode()
        return parse_qsl(body, keep_blank_values=True)


@pytest.fixture
def delays() -> list[float]:
    return []


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    yield
    structlog.reset_defaults()


def make_client(
    handler: Handler,
    delays: list[float],
    env: dict[str, str] | None = None,
    **kwargs: object,
) -> TwilioClient:
    settings = Settings.from_env(env or ENV)
    transport = httpx.MockTransport(handler)
    return TwilioClient(settings, transport=transport, sleep=delays.append, **kwargs)


# -- form encoding ------------------------------------------------------------


def test_create_form_encodes_twilio_conventions(delays: list[float]) -> None:
    recorder = Recorder(httpx.Response(201, json={"sid": "QU1"}))
    params = {
        "FriendlyName": "main line",
        "VoiceCallerIdLookup": True,
        "Push.IncludeDate": False,
        "SmsUrl": None,
        "MaxSize": 10,
        "StatusCallbackEvent": ["initiated", "ringing"],
    }
    with make_client(recorder, delays) as client:
        assert client.create("core", QUEUES, params) == {"sid": "QU1"}
    request = recorder.requests[0]
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert b"FriendlyName=main+line" in request.content
    assert recorder.form() == [
        ("FriendlyName", "main line"),
        ("VoiceCallerIdLookup", "true"),
        ("Push.IncludeDate", "false"),
        ("SmsUrl", ""),
        ("MaxSize", "10"),
        ("StatusCallbackEvent", "initiated"),
        ("StatusCallbackEvent", "ringing"),
    ]


def test_requests_carry_auth_user_agent_and_accept(delays: list[float]) -> None:
    recorder = Recorder(httpx.Response(200, json={"sid": "QU1"}))
    with make_client(recorder, delays) as client:
        client.fetch("core", QUEUES)
    headers = recorder.requests[0].headers
    assert headers["authorization"].startswith("Basic ")
    assert headers["user-agent"].startswith("twilio-iac/")
    assert headers["accept"] == "application/json"
    assert str(recorder.requests[0].url) == f"https://api.twilio.com{QUEUES}"


def test_wsgi_app_is_mounted_in_process() -> None:
    def app(environ: dict, start_response: Callable) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"path": environ["PATH_INFO"]}).encode()]

    settings = Settings.from_env({}, sandbox=SANDBOX_CREDENTIALS)
    with TwilioClient(settings, app=app) as client:
        assert client.fetch("core", "/2010-04-01/Accounts.json") == {
            "path": "/2010-04-01/Accounts.json"
        }


# -- pagination ---------------------------------------------------------------


def v2010_page(items: list[int], next_uri: str | None) -> httpx.Response:
    return httpx.Response(200, json={"queues": items, "next_page_uri": next_uri})


def test_v2010_pages_follow_relative_next_page_uri(delays: list[float]) -> None:
    recorder = Recorder(
        v2010_page([1, 2], f"{QUEUES}?PageSize=1000&Page=1&PageToken=PA1"),
        v2010_page([3], f"{QUEUES}?PageSize=1000&Page=2&PageToken=PA2"),
        v2010_page([4], None),
    )
    with make_client(recorder, delays) as client:
        items = client.list("core", QUEUES, "queues", {"FriendlyName": "q"})
    assert items == [1, 2, 3, 4]
    urls = [request.url for request in recorder.requests]
    assert urls[0].params["PageSize"] == "1000"
    assert urls[0].params["FriendlyName"] == "q"
    assert urls[1].params["PageToken"] == "PA1"
    assert urls[2].params["PageToken"] == "PA2"
    assert {url.host for url in urls} == {"api.twilio.com"}
    assert client.request_count == 3


def v2_page(items: list[int], next_url: str | None) -> httpx.Response:
    meta = {"key": "services", "next_page_url": next_url}
    return httpx.Response(200, json={"services": items, "meta": meta})


def test_v2_pages_follow_absolute_next_page_url(delays: list[float]) -> None:
    recorder = Recorder(
        v2_page([1], "https://verify.twilio.com/v2/Services?PageSize=1000&Page=1"),
        v2_page([2], "https://verify.twilio.com/v2/Services?PageSize=1000&Page=2"),
        v2_page([3], None),
    )
    with make_client(recorder, delays) as client:
        assert client.list("verify", "/v2/Services", "services") == [1, 2, 3]
    urls = [str(request.url) for request in recorder.requests]
    assert urls == [
        "https://verify.twilio.com/v2/Services?PageSize=1000",
        "https://verify.twilio.com/v2/Services?PageSize=1000&Page=1",
        "https://verify.twilio.com/v2/Services?PageSize=1000&Page=2",
    ]


@pytest.mark.parametrize(
    "base", ["http://127.0.0.1:8080", "https://gateway.maton.ai/twilio"]
)
def test_v2_public_host_urls_are_rewritten_onto_an_overridden_base(
    base: str, delays: list[float]
) -> None:
    recorder = Recorder(
        v2_page([1], "https://verify.twilio.com/v2/Services?Page=1&PageToken=x"),
        v2_page([2], "https://verify.twilio.com/v2/Services?Page=2&PageToken=y"),
        v2_page([3], None),
    )
    env = {**ENV, "TWILIO_VERIFY_BASE_URL": base}
    with make_client(recorder, delays, env) as client:
        assert client.list("verify", "/v2/Services", "services") == [1, 2, 3]
    urls = [str(request.url) for request in recorder.requests]
    assert urls[1] == f"{base}/v2/Services?Page=1&PageToken=x"
    assert urls[2] == f"{base}/v2/Services?Page=2&PageToken=y"


def test_next_page_on_a_foreign_host_is_refused(delays: list[float]) -> None:
    recorder = Recorder(v2_page([1], "https://evil.example/v2/Services?Page=1"))
    with make_client(recorder, delays) as client, pytest.raises(ApiError) as caught:
        client.list("verify", "/v2/Services", "services")
    assert "evil.example" in str(caught.value)
    assert len(recorder.requests) == 1


# -- error mapping ------------------------------------------------------------


def test_404_maps_to_not_found(delays: list[float]) -> None:
    recorder = Recorder(
        twilio_error(404, 20404, "The requested resource was not found")
    )
    with make_client(recorder, delays) as client, pytest.raises(NotFound) as caught:
        client.fetch("core", QUEUES)
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert delays == []


def test_400_body_lands_in_the_message_and_is_not_retried(delays: list[float]) -> None:
    recorder = Recorder(twilio_error(400, 21212, "Invalid From Number"))
    with make_client(recorder, delays) as client, pytest.raises(ApiError) as caught:
        client.create("core", QUEUES, {"FriendlyName": "q"})
    text = str(caught.value)
    assert "21212" in text and "Invalid From Number" in text
    assert "https://www.twilio.com/docs/errors/21212" in text
    assert f"POST https://api.twilio.com{QUEUES}" in text
    assert len(recorder.requests) == 1


def test_401_names_the_variables_and_ids_never_the_secret(delays: list[float]) -> None:
    recorder = Recorder(twilio_error(401, 20003, "Authenticate"))
    with make_client(recorder, delays) as client, pytest.raises(AuthError) as caught:
        client.fetch("core", QUEUES)
    text = str(caught.value)
    assert "TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN" in text
    assert SID in text
    assert TOKEN not in text
    assert len(recorder.requests) == 1


def test_non_json_error_body_is_reported_as_text(delays: list[float]) -> None:
    recorder = Recorder(httpx.Response(502, text="<html>Bad Gateway</html>"))
    with (
        make_client(recorder, delays, max_attempts=1) as client,
        pytest.raises(ApiError) as caught,
    ):
        client.fetch("core", QUEUES)
    assert caught.value.status == 502
    assert "Bad Gateway" in str(caught.value)


def test_transport_error_is_mapped_after_retries(delays: list[float]) -> None:
    recorder = Recorder(httpx.ConnectError("Name or service not known"))
    with (
        make_client(recorder, delays, max_attempts=3) as client,
        pytest.raises(TransportError) as caught,
    ):
        client.fetch("core", QUEUES)
    text = str(caught.value)
    assert "api.twilio.com" in text and "check the network" in text
    assert caught.value.status is None
    assert len(recorder.requests) == 3 and len(delays) == 2


# -- retries ------------------------------------------------------------------


def test_429_honors_retry_after_then_succeeds(delays: list[float]) -> None:
    recorder = Recorder(
        httpx.Response(429, headers={"Retry-After": "3"}, json={"code": 20429}),
        httpx.Response(200, json={"sid": "QU1"}),
    )
    with make_client(recorder, delays) as client:
        assert client.fetch("core", QUEUES) == {"sid": "QU1"}
        assert client.request_count == 2
    assert delays == [3.0]


def test_429_beyond_max_retry_wait_says_how_long_twilio_asked(
    delays: list[float],
) -> None:
    recorder = Recorder(httpx.Response(429, headers={"Retry-After": "600"}))
    with (
        make_client(recorder, delays, max_retry_wait=300) as client,
        pytest.raises(RateLimited) as caught,
    ):
        client.fetch("core", QUEUES)
    assert delays == [] and len(recorder.requests) == 1
    assert "Twilio asked to wait 10 min (Retry-After)" in str(caught.value)
    assert "--max-retry-wait (5 min)" in str(caught.value)


def test_long_retry_after_within_max_retry_wait_is_honoured(
    delays: list[float],
) -> None:
    recorder = Recorder(
        httpx.Response(429, headers={"Retry-After": "120"}),
        httpx.Response(201, json={"sid": "QU1"}),
    )
    waits: list[tuple[float, str]] = []
    with make_client(recorder, delays, max_retry_wait=300) as client:
        client.on_wait = lambda seconds, why: waits.append((seconds, why))
        assert client.create("core", QUEUES, {"FriendlyName": "q"})["sid"] == "QU1"
        assert client.retried_after_429 == 1
    assert delays == [120.0] and waits[0][0] == 120.0


def test_5xx_get_backs_off_within_max_attempts(delays: list[float]) -> None:
    recorder = Recorder(twilio_error(503, 20503, "Service unavailable"))
    with (
        make_client(recorder, delays, max_attempts=4) as client,
        pytest.raises(ApiError) as caught,
    ):
        client.fetch("core", QUEUES)
    assert caught.value.status == 503
    assert len(recorder.requests) == 4
    assert len(delays) == 3
    assert all(0 <= delay <= 0.5 * 2**i for i, delay in enumerate(delays))


def test_create_500_then_found_is_not_posted_again(delays: list[float]) -> None:
    recorder = Recorder(httpx.Response(500))
    found = {"sid": "QU1", "friendly_name": "q"}
    with make_client(recorder, delays) as client:
        result = client.create(
            "core", QUEUES, {"FriendlyName": "q"}, find_existing=lambda: found
        )
    assert result == found
    assert [r.method for r in recorder.requests] == ["POST"]


def test_create_timeout_is_looked_for_over_the_timeout_never_resent(
    delays: list[float],
) -> None:
    recorder = Recorder(
        httpx.ReadTimeout("timed out"), httpx.Response(201, json={"sid": "QU2"})
    )
    lookups: list[str] = []

    def find_existing() -> dict | None:
        lookups.append("looked")
        return None

    with (
        make_client(recorder, delays, timeout=8.0) as client,
        pytest.raises(OutcomeUnknown) as caught,
    ):
        client.create(
            "core", QUEUES, {"FriendlyName": "q"}, find_existing=find_existing
        )
    assert len(recorder.requests) == 1
    assert sum(delays) >= 8.0 and len(lookups) == len(delays) + 1
    assert "outcome unknown" in str(caught.value)
    assert "Wait a minute, then run `twilio-iac plan`" in str(caught.value)


def test_create_timeout_found_on_a_later_look_is_not_resent(
    delays: list[float],
) -> None:
    recorder = Recorder(httpx.ReadTimeout("timed out"))
    found = iter([None, None, {"sid": "QU3", "friendly_name": "q"}])
    with make_client(recorder, delays) as client:
        result = client.create(
            "core", QUEUES, {"FriendlyName": "q"}, find_existing=lambda: next(found)
        )
    assert result["sid"] == "QU3" and len(recorder.requests) == 1


def test_create_500_without_find_existing_is_not_retried(delays: list[float]) -> None:
    recorder = Recorder(twilio_error(500, 20500, "Internal Server Error"))
    with make_client(recorder, delays) as client, pytest.raises(ApiError) as caught:
        client.create("core", QUEUES, {"FriendlyName": "q"})
    assert len(recorder.requests) == 1 and delays == []
    assert "may have happened" in str(caught.value)


def test_create_timeout_without_find_existing_warns_it_may_exist(
    delays: list[float],
) -> None:
    recorder = Recorder(httpx.ReadTimeout("timed out"))
    with make_client(recorder, delays) as client, pytest.raises(TransportError) as c:
        client.create("core", QUEUES, {"FriendlyName": "q"})
    assert "may have happened" in str(c.value) and len(recorder.requests) == 1


def test_create_429_and_unsent_connect_error_are_retried(delays: list[float]) -> None:
    recorder = Recorder(
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.ConnectError("connection refused"),
        httpx.Response(201, json={"sid": "QU3"}),
    )

    def find_existing() -> dict | None:
        raise AssertionError("not ambiguous: nothing to look up")

    with make_client(recorder, delays) as client:
        assert client.create("core", QUEUES, {}, find_existing=find_existing) == {
            "sid": "QU3"
        }
    assert len(recorder.requests) == 3 and delays[0] == 1.0


def test_update_is_retried_like_a_get(delays: list[float]) -> None:
    recorder = Recorder(httpx.Response(503), httpx.Response(200, json={"sid": "QU1"}))
    with make_client(recorder, delays) as client:
        assert client.update("core", QUEUES, {"MaxSize": 5}) == {"sid": "QU1"}
    assert len(recorder.requests) == 2 and len(delays) == 1


def test_delete_retry_finding_it_gone_succeeds(delays: list[float]) -> None:
    recorder = Recorder(
        httpx.ReadTimeout("timed out"), twilio_error(404, 20404, "gone")
    )
    with make_client(recorder, delays) as client:
        assert client.delete("core", QUEUES) is None
    assert [r.method for r in recorder.requests] == ["DELETE", "DELETE"]


def test_delete_404_on_first_attempt_is_not_found(delays: list[float]) -> None:
    recorder = Recorder(twilio_error(404, 20404, "gone"))
    with make_client(recorder, delays) as client, pytest.raises(NotFound):
        client.delete("core", QUEUES)


# -- the Maton gateway --------------------------------------------------------


def test_bearer_gateway_discovers_the_account_once(delays: list[float]) -> None:
    accounts = {"accounts": [{"sid": SID}, {"sid": "AC" + "1" * 32}]}
    recorder = Recorder(httpx.Response(200, json=accounts))
    env = {"MATON_API_KEY": MATON, "MATON_CONNECTION": "conn-1"}
    with make_client(recorder, delays, env) as client:
        assert client.account_sid == SID
        assert client.account_sid == SID
    assert len(recorder.requests) == 1
    request = recorder.requests[0]
    assert (
        str(request.url) == "https://gateway.maton.ai/twilio/2010-04-01/Accounts.json"
    )
    assert request.headers["authorization"] == f"Bearer {MATON}"
    assert request.headers["maton-connection"] == "conn-1"


# -- logging ------------------------------------------------------------------


def _busy_run(delays: list[float]) -> None:
    """Successes, retries, a transport failure and a 401, all with secrets set."""
    recorder = Recorder(
        httpx.Response(503),
        httpx.ReadTimeout("timed out"),
        httpx.Response(200, json={"sid": "QU1"}),
    )
    with make_client(recorder, delays) as client:
        client.fetch("core", QUEUES)
        client.update("core", QUEUES, {"FriendlyName": TOKEN})
    denied = Recorder(twilio_error(401, 20003, "Authenticate"))
    with make_client(denied, delays) as client, pytest.raises(AuthError):
        client.fetch("core", QUEUES)


def test_events_never_carry_secrets_or_bodies(delays: list[float]) -> None:
    with capture_logs() as events:
        _busy_run(delays)
    names = [event["event"] for event in events]
    assert "http.response" in names and "http.retried" in names
    response = next(event for event in events if event["event"] == "http.response")
    assert response["method"] == "GET" and response["path"] == QUEUES
    assert {"status", "ms"} <= response.keys()
    assert TOKEN not in repr(events)
    assert "authorization" not in repr(events).lower()


def test_configured_debug_output_is_redacted(
    delays: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure(debug=True, fmt="json")
    _busy_run(delays)
    structlog.get_logger("test").debug(
        "secret.checked", authorization="Basic abc", nested={"note": f"x {TOKEN} y"}
    )
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = [json.loads(line) for line in captured.err.splitlines()]
    assert any(line["event"] == "http.response" for line in lines)
    assert TOKEN not in captured.err
    last = lines[-1]
    assert "authorization" not in last
    assert last["nested"] == {"note": "x [redacted] y"}


def test_default_level_is_quiet(
    delays: list[float], capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure(debug=False, fmt="text")
    recorder = Recorder(httpx.Response(200, json={"sid": "QU1"}))
    with make_client(recorder, delays) as client:
        client.fetch("core", QUEUES)
    assert capsys.readouterr().err == ""


def test_peek_next_reads_only_a_real_paging_key() -> None:
    from twilio_iac.api import wire

    body = {
        "incoming_phone_numbers": [{"friendly_name": '"next_page_uri": "/evil"'}],
        "next_page_uri": "/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json?Page=1",
    }
    assert wire.peek_next(json.dumps(body).encode()) == {
        "next_page_uri": body["next_page_uri"]
    }
    last = {"services": [], "meta": {"next_page_url": None}}
    assert wire.peek_next(json.dumps(last).encode()) == {
        "meta": {"next_page_url": None}
    }
    # Unclear (no key, or more than one): the page is decoded first.
    assert wire.peek_next(b'{"items": []}') is None
    assert (
        wire.peek_next(b'{"next_page_uri": null, "x": {"next_page_uri": "/a"}}') is None
    )
