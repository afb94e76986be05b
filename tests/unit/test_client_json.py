"""TwilioClient.send_json: the gateway's JSON control endpoints."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.unit.test_client import Recorder, twilio_error
from twilio_iac.api.client import TwilioClient
from twilio_iac.api.settings import gateway_settings
from twilio_iac.errors import ApiError

KEY = "maton-key-value-do-not-print"


def make(recorder: Recorder, delays: list[float]) -> TwilioClient:
    settings = gateway_settings({"MATON_API_KEY": KEY})
    transport = httpx.MockTransport(recorder)
    return TwilioClient(settings, transport=transport, sleep=delays.append)


def test_a_json_post_with_the_bearer_key() -> None:
    recorder = Recorder(httpx.Response(200, json={"connection": {"status": "P"}}))
    with make(recorder, []) as client:
        body = client.send_json("POST", "gateway", "/connections", body={"app": "t"})
    assert body == {"connection": {"status": "P"}}
    (request,) = recorder.requests
    assert str(request.url) == "https://ctrl.maton.ai/connections"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert json.loads(request.content) == {"app": "t"}


def test_a_get_with_a_query_is_retried_on_5xx() -> None:
    delays: list[float] = []
    recorder = Recorder(httpx.Response(503), httpx.Response(200, json={"x": []}))
    with make(recorder, delays) as client:
        query = {"app": "twilio", "status": "ACTIVE"}
        assert client.send_json("GET", "gateway", "/connections", query=query) == {
            "x": []
        }
    assert str(recorder.requests[-1].url).endswith(
        "/connections?app=twilio&status=ACTIVE"
    )
    assert len(recorder.requests) == 2 and len(delays) == 1


def test_an_ambiguous_post_is_not_resent_and_says_what_to_check() -> None:
    recorder = Recorder(httpx.ReadTimeout("timed out"))
    with make(recorder, []) as client, pytest.raises(ApiError) as caught:
        client.send_json(
            "POST", "gateway", "/connections", body={}, maybe_done_hint="Run list."
        )
    assert len(recorder.requests) == 1
    assert "Run list." in str(caught.value)
    assert KEY not in str(caught.value)


def test_a_retried_delete_that_finds_it_gone_succeeds() -> None:
    recorder = Recorder(httpx.ReadTimeout("timed out"), twilio_error(404, 20404, "x"))
    with make(recorder, []) as client:
        assert client.send_json("DELETE", "gateway", "/connections/abc") == {}
