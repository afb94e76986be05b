"""The emulator's Lookup answers come from one table, one entry per package."""

from __future__ import annotations

import pytest

from twilio_iac.emulator.lookups import phone_numbers as lookups


def test_every_package_has_an_answer() -> None:
    assert set(lookups.ANSWERS) == set(lookups.PACKAGES)


@pytest.mark.parametrize("package", lookups.PACKAGES)
@pytest.mark.parametrize("kind", [kind for _, kind in lookups.RANGES])
def test_every_answer_says_whether_it_failed(package: str, kind: str) -> None:
    """Twilio's packages each carry error_code, null when answered."""
    for country in ("US", "GB"):
        subject = lookups._Subject(kind, country, "+14155550100")
        assert "error_code" in lookups.ANSWERS[package](subject)


def test_the_same_number_gets_the_same_answer() -> None:
    first = lookups._Subject("mobile", "US", "+14155550123")
    again = lookups._Subject("mobile", "US", "+14155550123")
    for answer in lookups.ANSWERS.values():
        assert answer(first) == answer(again)
