"""http/intake: the Host values a served emulator takes."""

from __future__ import annotations

import pytest

from twilio_iac.emulator.http.intake import check_host, loopback_hosts
from twilio_iac.emulator.http.problems import ApiProblem


def test_a_loopback_server_takes_its_address_and_the_loopback_names() -> None:
    assert loopback_hosts("127.0.0.1", 8080) == {
        "127.0.0.1:8080",
        "localhost:8080",
        "[::1]:8080",
    }


def test_an_ipv6_address_is_bracketed_and_port_80_may_go_unnamed() -> None:
    hosts = loopback_hosts("::1", 80)
    assert {"[::1]:80", "[::1]", "localhost", "127.0.0.1"} <= hosts


def test_host_names_are_compared_without_case() -> None:
    check_host({"HTTP_HOST": "LocalHost:8080"}, loopback_hosts("127.0.0.1", 8080))
    with pytest.raises(ApiProblem, match="'localhost.evil.example:8080'"):
        check_host(
            {"HTTP_HOST": "localhost.evil.example:8080"},
            loopback_hosts("127.0.0.1", 8080),
        )


def test_in_process_any_host_is_taken() -> None:
    check_host({"HTTP_HOST": "api.twilio.com"}, None)
