"""How many SMS segments a body takes, and in which encoding (GSM-7 or UCS-2).

A body that fits the GSM-7 alphabet takes 160 septets in one segment, or 153
per segment once split (the rest is the concatenation header); extension
characters (€, [, ], {, }, ^, ~, |, \\ and form feed) take two septets and are
never split across segments. Anything else makes the whole body UCS-2: 70
UTF-16 code units in one segment, 67 per segment once split, and a surrogate
pair (most emoji) is never split either.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
MAX_BODY = 1600  # characters, per the Message resource's Body description


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    count: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)

    def describe(self) -> str:
        noun = "segment" if self.count == 1 else "segments"
        return f"{self.encoding}, {self.count} {noun}"


def is_gsm7(body: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in body)


def count(body: str) -> Segments:
    """The segments an SMS with this body is sent as (1 for an empty body)."""
    if is_gsm7(body):
        sizes = [2 if char in GSM7_EXTENSION else 1 for char in body]
        return Segments("GSM-7", _pack(sizes, 160, 153), sum(sizes))
    sizes = [2 if ord(char) > 0xFFFF else 1 for char in body]
    return Segments("UCS-2", _pack(sizes, 70, 67), sum(sizes))


def _pack(sizes: list[int], single: int, part: int) -> int:
    """Segments needed when no character may straddle two segments."""
    if sum(sizes) <= single:
        return 1
    segments, used = 1, 0
    for size in sizes:
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return segments
