"""Brand colours never break the page: valid CSS only and WCAG AA contrast for text."""

from __future__ import annotations

import pytest

from portal.branding import AA_CONTRAST, FALLBACK, contrast, palette
from portal.services.fik import fi_payment_line, luhn_check_digit


@pytest.mark.parametrize("color", ["#ffffff", "#ffff00", "#0b6e4f", "#7a2e8c", "#777777", "#00ff00", "#000000"])
def test_palette_text_colours_meet_aa(color):
    colours = palette(color)
    assert contrast(colours["brand"], colours["on_brand"]) >= AA_CONTRAST
    assert contrast(colours["brand_text"], "#ffffff") >= AA_CONTRAST


@pytest.mark.parametrize("bad", [None, "", "red", "#fff", "#12345g", "#000000;}body{display:none"])
def test_invalid_brand_colour_falls_back(bad):
    assert palette(bad)["brand"] == FALLBACK


def test_fi_payment_line_has_a_valid_check_digit():
    line = fi_payment_line("85123456", "F-2026-0001")
    assert line == f"+71<00000020260001{luhn_check_digit('00000020260001')}+85123456<"
    assert luhn_check_digit("7992739871") == 3  # the textbook Luhn example
    assert fi_payment_line(None, "F-1") is None
