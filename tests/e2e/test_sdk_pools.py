"""The official SDK against `emulator serve`, when the twilio package is
installed (it is not a dependency of twilio-iac: the test is skipped without it)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from twilio_iac.emulator import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Emulator
from twilio_iac.emulator.server import _bind

rest = pytest.importorskip("twilio.rest")
exceptions = pytest.importorskip("twilio.base.exceptions")


@pytest.fixture
def client() -> Iterator[object]:
    server = _bind("127.0.0.1", 0, Emulator())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sdk = rest.Client(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for domain in (sdk.api, sdk.messaging, sdk.trunking):
        domain.base_url = base
    yield sdk
    server.shutdown()
    server.server_close()


def test_sdk_manages_services_pools_and_trunks(client) -> None:
    numbers = {n.phone_number: n.sid for n in client.incoming_phone_numbers.list()}
    service = client.messaging.v1.services.create(friendly_name="SDK Alerts")
    assert service.sticky_sender is True and service.validity_period == 36000
    pool = client.messaging.v1.services(service.sid).phone_numbers
    pool.create(phone_number_sid=numbers["+14155550100"])
    pool.create(phone_number_sid=numbers["+14155550101"])
    # `meta` paging, followed by the SDK itself.
    assert len(pool.list(page_size=1)) == 2
    other = client.messaging.v1.services.create(friendly_name="SDK Other")
    with pytest.raises(exceptions.TwilioRestException) as refused:
        client.messaging.v1.services(other.sid).phone_numbers.create(
            phone_number_sid=numbers["+14155550100"]
        )
    assert refused.value.code == 21710

    trunk = client.trunking.v1.trunks.create(
        friendly_name="SDK PBX", domain_name="sdk.pstn.twilio.com"
    )
    trunks = client.trunking.v1.trunks(trunk.sid)
    url = trunks.origination_urls.create(
        friendly_name="primary",
        sip_url="sip:pbx.example.com",
        weight=10,
        priority=10,
        enabled=True,
    )
    assert trunks.origination_urls(url.sid).update(priority=5).priority == 5
    trunks.phone_numbers.create(phone_number_sid=numbers["+14155550102"])
    assert trunks.recordings().update(mode="record-from-answer").mode == (
        "record-from-answer"
    )
    sent = client.messages.create(
        to="+14155551234", messaging_service_sid=service.sid, body="hi"
    )
    assert sent.from_ in ("+14155550100", "+14155550101")
    trunks.delete()
    number = client.incoming_phone_numbers(numbers["+14155550102"]).fetch()
    assert number.trunk_sid is None
