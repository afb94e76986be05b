"""numbering.impossible: what cannot be anyone's number, whatever the network says."""

from __future__ import annotations

import pytest

from twilio_iac.numbering import impossible


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (
            "+1415555123",
            "it is too short: 9 digits after +1 (US), where numbers there have 10",
        ),
        (
            "+999",
            "it is too short: 3 digits after the +, where a number of any "
            "country has 7 to 15",
        ),
        (
            "+4420",
            "it is too short: 2 digits after +44 (GB), where numbers there have 10",
        ),
        (
            "+393",
            "it is too short: 1 digit after +39 (IT), where numbers there have 6 to 11",
        ),
        (
            "+14155551234567",
            "it is too long: 13 digits after +1 (US), where numbers there have 10",
        ),
        (
            "+1234567890123456",
            "it is too long: 15 digits after +1 (US), where numbers there have 10",
        ),
        ("4155551234", "it is not + and digits (E.164)"),
        ("+1 415", "it is not + and digits (E.164)"),
    ],
)
def test_an_impossible_number_says_why(number: str, reason: str) -> None:
    assert impossible(number) == reason


@pytest.mark.parametrize(
    "number",
    [
        "+14155551234",
        "+15005550006",  # Twilio's magic numbers are possible
        "+8613800138000",  # a calling code outside the table: 7 to 15 digits
        "+6834001",  # Niue: four-digit national numbers
        "+11234567890",  # possible, though Lookup calls it invalid
    ],
)
def test_a_possible_number_passes(number: str) -> None:
    assert impossible(number) is None
