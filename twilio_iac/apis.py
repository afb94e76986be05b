"""The Twilio APIs twilio-iac talks to, one row each: the single vocabulary of
API names that resources, the client, the gateway, the sandbox, the emulator
and scripts/trim_oai.py share.

A base module: it imports nothing from the package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Both gateways serve every API under one base, by path: Maton documents only
# the 2010-04-01 API ("proxies requests to api.twilio.com"); how it exposes the
# other hosts is not documented, so each API's variable can override it.
MATON_BASE_URL = "https://gateway.maton.ai/twilio"
# ".invalid" never resolves (RFC 2606): a request that escaped the in-process
# transport would fail instead of reaching a real host.
SANDBOX_BASE_URL = "http://sandbox.invalid"


@dataclass(frozen=True)
class Api:
    name: str  # what resources, the client and the emulator call it
    base_url: str  # Twilio's public origin
    base_url_var: str  # environment variable that overrides base_url
    description: str  # its OpenAPI file in twilio-oai's spec/json/
    title: str


# The 2010-04-01 API, whose conventions differ from the v1/v2 APIs': RFC 2822
# dates, ``uri`` and ``next_page_uri`` instead of ``url`` and ``meta``.
CORE = "core"

APIS: Mapping[str, Api] = {
    api.name: api
    for api in (
        Api(
            CORE,
            "https://api.twilio.com",
            "TWILIO_API_BASE_URL",
            "twilio_api_v2010.json",
            "the 2010-04-01 API",
        ),
        Api(
            "verify",
            "https://verify.twilio.com",
            "TWILIO_VERIFY_BASE_URL",
            "twilio_verify_v2.json",
            "Verify v2",
        ),
        Api(
            "messaging",
            "https://messaging.twilio.com",
            "TWILIO_MESSAGING_BASE_URL",
            "twilio_messaging_v1.json",
            "Messaging v1",
        ),
        Api(
            "trunking",
            "https://trunking.twilio.com",
            "TWILIO_TRUNKING_BASE_URL",
            "twilio_trunking_v1.json",
            "Elastic SIP Trunking v1",
        ),
        Api(
            "lookups",
            "https://lookups.twilio.com",
            "TWILIO_LOOKUPS_BASE_URL",
            "twilio_lookups_v2.json",
            "Lookup v2",
        ),
        Api(
            "intelligence",
            "https://intelligence.twilio.com",
            "TWILIO_INTELLIGENCE_BASE_URL",
            "twilio_intelligence_v2.json",
            "Voice Intelligence v2",
        ),
        Api(
            "studio",
            "https://studio.twilio.com",
            "TWILIO_STUDIO_BASE_URL",
            "twilio_studio_v2.json",
            "Studio v2",
        ),
        Api(
            "taskrouter",
            "https://taskrouter.twilio.com",
            "TWILIO_TASKROUTER_BASE_URL",
            "twilio_taskrouter_v1.json",
            "TaskRouter v1",
        ),
        Api(
            "iam",
            "https://iam.twilio.com",
            "TWILIO_IAM_BASE_URL",
            "twilio_iam_v1.json",
            "IAM v1 (API keys)",
        ),
    )
}

PUBLIC_ORIGINS = frozenset(api.base_url for api in APIS.values())


def base_url_variables(base: str) -> dict[str, str]:
    """Every API's base-URL variable, each set to ``base``: what points a
    client at one server that serves them all (the sandbox, a gateway)."""
    return {api.base_url_var: base for api in APIS.values()}
