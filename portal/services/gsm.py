"""SMS length: GSM 03.38 (GSM-7) characters and how many segments a text takes.

The basic table holds æøå, ÆØÅ, é, ü and the like (one septet each); the extension table's characters
(€, [, ], {, }, \\, ~, ^, |) cost two. A text with any other character is sent as UCS-2.
"""

from __future__ import annotations

import math

BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = "\f^{}\\[~]|€"
_BASIC, _EXTENSION = frozenset(BASIC) - {"\x1b"}, frozenset(EXTENSION)

GSM7_SINGLE, GSM7_PART = 160, 153  # septets in one segment; per part of a concatenated message
UCS2_SINGLE, UCS2_PART = 70, 67


def is_gsm7(text: str) -> bool:
    """Whether every character of the text is in the GSM-7 basic or extension table."""
    return all(ch in _BASIC or ch in _EXTENSION for ch in text)


def length(text: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes."""
    if is_gsm7(text):
        return sum(2 if ch in _EXTENSION else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many SMS segments the text is sent as (0 for an empty text)."""
    size = length(text)
    if size == 0:
        return 0
    single, part = (GSM7_SINGLE, GSM7_PART) if is_gsm7(text) else (UCS2_SINGLE, UCS2_PART)
    return 1 if size <= single else math.ceil(size / part)


def non_gsm7(text: str) -> list[str]:
    """The characters that force the text into UCS-2, each once, in order."""
    return list(dict.fromkeys(ch for ch in text if ch not in _BASIC and ch not in _EXTENSION))
