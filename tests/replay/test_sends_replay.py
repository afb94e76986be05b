"""Messages, calls and usage records through cassettes: the exact requests
`send sms --wait`, `send call --wait` and `usage` make, and their answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests import tape
from twilio_iac.errors import ApiError
from twilio_iac.operations import delivery, sends, usage
from twilio_iac.render import usage as usage_render

NO_SLEEP = delivery.Poller(sleep=lambda _: None, clock=lambda: 0.0)


@tape.tape.use_cassette()
def test_send_sms_and_wait_for_delivery() -> None:
    with tape.client() as client:
        request = sends.sms(
            client.account_sid,
            to="+14155551234",
            sender="+15005550006",
            service=None,
            body="Replay test 🎉",
        )
        assert request.segments is not None
        assert request.segments.describe() == "UCS-2, 1 segment"
        created = sends.create(client, request)
        assert created["status"] == "queued"
        final, done = delivery.wait(
            client, client.account_sid, created["sid"], 60, NO_SLEEP
        )
    assert done and final["status"] == "delivered"
    assert final["price_unit"] == "USD" and final["num_segments"] == "1"


@tape.tape.use_cassette()
def test_send_sms_to_a_blocked_number_fails_with_21610() -> None:
    with tape.client() as client:
        request = sends.sms(
            client.account_sid,
            to="+15005550004",
            sender="+15005550006",
            service=None,
            body="x",
        )
        try:
            sends.create(client, request)
        except ApiError as error:
            assert (error.status, error.code) == (400, 21610)
            assert error.hint and "opted out" in error.hint
        else:
            raise AssertionError("expected Twilio error 21610")


@tape.tape.use_cassette()
def test_place_a_call_and_wait_until_completed() -> None:
    with tape.client() as client:
        request = sends.call(
            client.account_sid,
            to="+14155551234",
            sender="+15005550006",
            twiml="<Response><Say>Replay</Say></Response>",
        )
        created = sends.create(client, request)
        final, done = delivery.wait(
            client, client.account_sid, created["sid"], 60, NO_SLEEP
        )
    assert done and final["status"] == "completed"
    assert int(final["duration"]) > 0


@tape.tape.use_cassette()
def test_usage_all_time_report() -> None:
    query = usage.query(
        period="all-time",
        start=None,
        end=None,
        breakdown=None,
        categories=(),
        include_subaccounts=True,
        today=date(2025, 1, 1),  # unused without a breakdown
    )
    with tape.client() as client:
        rows = usage.fetch(client, query)
    result = usage_render.report(rows, sort="price", show_all=False, breakdown=None)
    categories = [row.category for row in result.rows]
    assert "sms-outbound" in categories and "totalprice" not in categories
    assert result.currency == "USD"
    assert result.total == sum((r.price for r in result.rows), Decimal(0))
    assert result.total > 0
