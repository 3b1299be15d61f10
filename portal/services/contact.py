"""Normalising contact details: phone numbers to E.164, e-mail addresses validated."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from portal.services.errors import InvalidInput


def normalise_phone(value: str | None, *, region: str = "DK") -> str | None:
    """Return the number in E.164 (+4522334455), reading Danish formats like '22 33 44 55' and '0045…'."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(field="phone", message=_l("Type a valid phone number.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(field="phone", message=_l("Type a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str | None) -> str | None:
    """Return the e-mail address in normal form, or raise InvalidInput naming the field."""
    if not value or not value.strip():
        return None
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInput(field="email", message=_l("Type a valid e-mail address.")) from exc
