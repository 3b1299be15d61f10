"""Creditor brand colours made safe: valid CSS only, and text colours that meet WCAG AA contrast."""

from __future__ import annotations

import re
from functools import lru_cache

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
FALLBACK = "#1d4f91"
WHITE = "#ffffff"
INK = "#000000"
AA_CONTRAST = 4.5


def _luminance(color: str) -> float:
    """Relative luminance of an sRGB hex colour (WCAG 2.1 definition)."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two hex colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _darken(color: str, factor: float) -> str:
    """Scale each channel of a hex colour towards black."""
    return "#" + "".join(f"{round(int(color[i : i + 2], 16) * factor):02x}" for i in (1, 3, 5))


@lru_cache(maxsize=256)
def palette(brand_color: str | None) -> dict[str, str]:
    """Return the brand colour, a readable text colour on it, and a variant readable on white."""
    brand = brand_color if brand_color and _HEX.match(brand_color) else FALLBACK
    brand = brand.lower()
    on_brand = WHITE if contrast(brand, WHITE) >= contrast(brand, INK) else INK
    text = brand
    while contrast(text, WHITE) < AA_CONTRAST:
        text = _darken(text, 0.9)
    return {"brand": brand, "on_brand": on_brand, "brand_text": text}
