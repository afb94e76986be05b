"""X-Twilio-Signature against Twilio's published vectors, and round trips.

The vectors are those of Twilio's security docs and of twilio-python's
tests/unit/test_request_validator.py (auth token "12345").
"""

from __future__ import annotations

import pytest

from twilio_iac import webhooks

TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
EXPECTED = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
BODY = '{"property": "value", "boolean": true}'
BODY_HASH = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"


def test_the_published_vector():
    assert webhooks.signature(URL, PARAMS, TOKEN) == EXPECTED
    assert webhooks.is_valid(URL, PARAMS, TOKEN, EXPECTED)


def test_repeated_names_are_sorted_by_value():
    pairs = [("Sid", "CA123"), ("SidAccount", "AC123")]
    pairs += [("Digits", "5678"), ("Digits", "1234")]
    assert webhooks.signature(URL, pairs, TOKEN) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    as_mapping = {"Sid": "CA123", "SidAccount": "AC123", "Digits": ["5678", "1234"]}
    assert webhooks.signature(URL, as_mapping, TOKEN) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_the_json_body_variant():
    assert webhooks.body_sha256(BODY) == BODY_HASH
    url = webhooks.url_for_body(URL, BODY)
    assert url == f"{URL}&bodySHA256={BODY_HASH}"
    assert webhooks.is_valid(url, BODY, TOKEN, "a9nBmqA0ju/hNViExpshrM61xv4=")
    assert webhooks.is_valid(url, BODY.encode(), TOKEN, "a9nBmqA0ju/hNViExpshrM61xv4=")


@pytest.mark.parametrize(
    ("url", "signature", "variant"),
    [
        # Twilio's SDK vectors: a proxy added a port, or Twilio signed with one.
        (URL.replace(".com", ".com:1234"), EXPECTED, "without its port :1234"),
        (
            URL.replace("https", "http").replace(".com", ".com:1234"),
            "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=",
            "as given",
        ),
        (URL, "kvajT1Ptam85bY51eRf/AJRuM3w=", "with the standard port :443"),
        (
            URL.replace("https", "http"),
            "0ZXoZLH/DfblKGATFgpif+LLRf4=",
            "with the standard port :80",
        ),
    ],
)
def test_the_url_with_and_without_its_port(url, signature, variant):
    verdict = webhooks.check(url, PARAMS, TOKEN, signature)
    assert verdict.valid
    assert variant in verdict.variant


def test_round_trip_with_unicode_and_empty_values():
    params = {"Body": "Grüße 🎉 & more=yes", "MediaUrl0": "", "From": "+1"}
    url = "https://example.com/sms?x=%20y"
    signed = webhooks.signature(url, params, "secret")
    assert webhooks.is_valid(url, list(params.items()), "secret", signed)
    assert webhooks.is_valid(url, params, "secret", f" {signed}\n")


def test_a_changed_parameter_is_invalid_and_named():
    changed = {**PARAMS, "Digits": "9999"}
    verdict = webhooks.check(URL, changed, TOKEN, EXPECTED)
    assert not verdict.valid
    text = " ".join(verdict.causes)
    assert "A parameter differs" in text
    assert "auth token" in text
    assert "http://" in text and "port" in text


def test_a_wrong_token_is_invalid():
    assert not webhooks.is_valid(URL, PARAMS, "54321", EXPECTED)


def test_http_behind_a_tls_proxy_is_recognised():
    verdict = webhooks.check(URL.replace("https", "http"), PARAMS, TOKEN, EXPECTED)
    assert not verdict.valid
    (cause,) = verdict.causes
    assert "https:// instead of http://" in cause
    assert URL in cause


def test_a_changed_body_is_named():
    url = webhooks.url_for_body(URL, BODY)
    verdict = webhooks.check(url, BODY + " ", TOKEN, "a9nBmqA0ju/hNViExpshrM61xv4=")
    assert not verdict.valid
    assert "body was changed" in verdict.causes[0]
    missing = webhooks.check(URL, BODY, TOKEN, "a9nBmqA0ju/hNViExpshrM61xv4=")
    assert "no bodySHA256" in missing.causes[0]


def test_ipv6_and_userinfo_keep_their_host():
    variants = dict(
        (label, url)
        for label, url in webhooks.port_variants("https://u:p@[::1]:8443/x?y=1")
    )
    assert "https://u:p@[::1]/x?y=1" in variants.values()
