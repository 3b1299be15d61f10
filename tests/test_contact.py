"""Contact details and ids as bulk intake makes them: the fast paths give what the slow ones give."""

from __future__ import annotations

import random
from collections import Counter

import phonenumbers
import pytest

from portal.models.base import ALPHABET, public_id, random_id
from portal.services.contact import normalise_phone
from portal.services.errors import InvalidInput


def _by_parsing(text: str) -> str | None:
    """What phonenumbers makes of a number when it parses the text itself (None: invalid)."""
    text = text.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "DK")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _normalised(text: str) -> str | None:
    """normalise_phone's answer, None when it refuses the number."""
    try:
        return normalise_phone(text)
    except InvalidInput:
        return None


def test_plain_danish_numbers_are_judged_exactly_as_parsing_judges_them() -> None:
    rng = random.Random(4)
    valid = invalid = 0
    for first in "0123456789":
        for _ in range(400):
            digits = f"{first}{rng.randrange(10**7):07d}"
            for text in (digits, f"+45{digits}", f"0045{digits}", f" +45{digits} "):
                expected = _by_parsing(text)
                assert _normalised(text) == expected, text
                valid, invalid = valid + (expected is not None), invalid + (expected is None)
    assert valid and invalid  # both kinds were compared


@pytest.mark.parametrize(
    ("text", "expected"),
    [("22 33 44 55", "+4522334455"), ("+46 8 123 456 78", "+46812345678"), ("+4512", None), ("+45 0000 0000", None)],
)
def test_other_forms_still_go_through_the_parser(text: str, expected: str | None) -> None:
    assert _normalised(text) == expected


def test_random_ids_use_every_base62_character_about_equally() -> None:
    counts = Counter("".join(random_id(20) for _ in range(20_000)))
    assert set(counts) == set(ALPHABET)
    assert max(counts.values()) < 1.15 * min(counts.values())


def test_public_ids_have_their_prefix_and_twenty_random_characters() -> None:
    ids = {public_id("cas") for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 24 and i.startswith("cas_") and set(i[4:]) <= set(ALPHABET) for i in ids)
