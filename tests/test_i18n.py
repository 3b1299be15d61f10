"""Danish first: a complete Danish catalogue, up to date with the code, and Danish formats."""

from __future__ import annotations

import re
from datetime import date

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale

from portal.config import PROJECT_ROOT
from portal.i18n import long_date, money

PO = PROJECT_ROOT / "translations" / "da" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog():
    with PO.open("rb") as handle:
        return read_po(handle, locale="da")


def test_danish_catalogue_has_no_untranslated_or_fuzzy_entries():
    catalog = _catalog()
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_translations_keep_their_placeholders():
    for message in _catalog():
        if message.id:
            assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), message.id


def test_every_message_in_the_code_is_in_the_catalogue():
    method_map = [("portal/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None}
    in_code = {
        msg
        for _file, _line, msg, _comments, _context in extract_from_dir(
            str(PROJECT_ROOT),
            method_map,
            keywords=keywords,
        )
        if isinstance(msg, str)
    }
    in_catalogue = {m.id for m in _catalog() if m.id}
    assert in_code - in_catalogue == set(), "run: flask --app wsgi translate extract && translate update"


def test_money_and_dates_in_danish_and_english(app):
    with app.test_request_context():
        with force_locale("da"):
            assert money(123450) == "1.234,50\xa0kr."
            assert money(-5) == "-0,05\xa0kr."
            assert long_date(date(2026, 11, 22)) == "22. november 2026"
        with force_locale("en"):
            assert money(123450) == "DKK\xa01,234.50"
            assert long_date(date(2026, 11, 22)) == "November 22, 2026"
