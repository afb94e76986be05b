"""Segment counting: GSM-7 vs UCS-2, extension characters, split limits."""

from __future__ import annotations

import pytest

from twilio_iac.segments import count, is_gsm7


@pytest.mark.parametrize(
    ("body", "encoding", "segments", "units"),
    [
        ("", "GSM-7", 1, 0),
        ("Hello", "GSM-7", 1, 5),
        ("x" * 160, "GSM-7", 1, 160),
        ("x" * 161, "GSM-7", 2, 161),
        ("x" * 306, "GSM-7", 2, 306),
        ("x" * 307, "GSM-7", 3, 307),
        ("€" * 80, "GSM-7", 1, 160),  # extension characters count double
        ("€" * 81, "GSM-7", 2, 162),
        ("x" * 152 + "€", "GSM-7", 1, 154),
        # 152 septets then an escape pair: the pair never straddles segments.
        ("x" * 152 + "€" + "x" * 10, "GSM-7", 2, 164),
        ("héllo ù", "GSM-7", 1, 7),
        ("naïve", "UCS-2", 1, 5),  # ï is not in GSM-7
        ("x" * 70 + "ç", "UCS-2", 2, 71),  # lowercase ç is not GSM-7 either
        ("🎉", "UCS-2", 1, 2),  # a surrogate pair
        ("a" * 69 + "🎉", "UCS-2", 2, 71),
        ("a" * 66 + "🎉" + "a" * 10, "UCS-2", 2, 78),
        ("x" * 134, "GSM-7", 1, 134),
    ],
)
def test_count(body: str, encoding: str, segments: int, units: int) -> None:
    result = count(body)
    assert (result.encoding, result.count, result.units) == (encoding, segments, units)


def test_an_emoji_turns_one_segment_into_three() -> None:
    body = "Your appointment is confirmed for Tuesday at 10:00. Reply C to cancel. " * 2
    assert count(body).describe() == "GSM-7, 1 segment"
    assert count(body + "👍").describe() == "UCS-2, 3 segments"


def test_alphabet_edges() -> None:
    assert is_gsm7("@£$¥ÄÖÑÜ§¿äöñüà{}[]~|^\\")
    assert not is_gsm7("`")
