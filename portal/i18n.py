"""Locale selection and the display filters for money and dates (Danish first, English second)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency
from flask import Flask, g, request, session
from flask_babel import format_datetime, get_locale, get_translations
from flask_babel import lazy_gettext as _l
from phonenumbers import PhoneNumberFormat

from portal.branding import palette

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"
LANG_COOKIE = "betal_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
# Babel locale and pattern for money: Danish "1.234,50 kr.", English "DKK 1,234.50".
_MONEY_FORMATS = {"da": ("da_DK", None), "en": ("en_US", "\u00a4\u00a0#,##0.00")}


def supported(lang: str | None) -> str | None:
    """Return lang when the portal speaks it, else None."""
    return lang if lang in LANGUAGES else None


def select_locale() -> str:
    """The language the debtor chose, else the debtor's preferred language, else Danish."""
    return (
        supported(request.cookies.get(LANG_COOKIE))
        or supported(session.get("locale"))
        or supported(g.get("debtor_locale"))
        or DEFAULT_LANGUAGE
    )


def money(amount_ore: int, currency: str = "DKK") -> str:
    """Format integer øre as money in the current language, e.g. 1.234,50 kr."""
    return _format_money(amount_ore, currency, str(get_locale()))


@lru_cache(maxsize=4096)
def _format_money(amount_ore: int, currency: str, language: str) -> str:
    """Babel's formatting, remembered: the same amounts are shown again and again."""
    locale, pattern = _MONEY_FORMATS.get(language, _MONEY_FORMATS["da"])
    return format_currency(Decimal(amount_ore).scaleb(-2), currency, format=pattern, locale=locale)


def long_date(value: date | datetime) -> str:
    """Format a date as '22. november 2026' (Danish) or 'November 22, 2026' (English)."""
    if isinstance(value, datetime):
        value = value.astimezone(COPENHAGEN).date()
    return _format_long_date(value, str(get_locale()))


@lru_cache(maxsize=4096)
def _format_long_date(value: date, language: str) -> str:
    """Babel's long date format, remembered per day and language."""
    return babel_format_date(value, "long", locale=language)


def date_time(value: datetime) -> str:
    """Format a UTC timestamp in Europe/Copenhagen time."""
    return format_datetime(value, "medium")


def phone(e164: str | None) -> str:
    """Show a Danish number as '22 33 44 55' and any other in international format."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "DK")
    except phonenumbers.NumberParseException:
        return e164
    fmt = PhoneNumberFormat.NATIONAL if number.country_code == 45 else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, fmt)


STATUS_LABELS = {
    "open": _l("Open"),
    "paid": _l("Paid"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
}


def status_label(status: str) -> str:
    """The debtor-facing name of a case status."""
    return str(STATUS_LABELS.get(status, status))


def today() -> date:
    """Today's date in Copenhagen."""
    return datetime.now(COPENHAGEN).date()


def current_locale() -> str:
    """The language of the current request, for <html lang>."""
    return str(get_locale())


def _translations():
    """This request's catalogue, looked up once per request instead of once per message."""
    cached = g.get("_translations")
    if cached is None or cached[0] != get_locale():
        cached = g._translations = (get_locale(), get_translations())
    return cached[1]


def init_app(app: Flask) -> None:
    """Register the display filters, helpers and a quicker gettext on the Jinja environment."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
    )
    for name, function in (("money", money), ("long_date", long_date), ("date_time", date_time), ("phone", phone)):
        app.add_template_filter(function, name)
    for function in (status_label, current_locale, today):
        app.add_template_global(function)
    app.add_template_global(palette, "brand_palette")
