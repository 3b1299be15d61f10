"""Normalising contact details: phone numbers to E.164, e-mail addresses validated."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from portal.services.errors import InvalidInput

# The forms intake sees most: +45 and eight digits, or eight digits alone (Danish, read in region DK).
# They need no parsing to become a PhoneNumber; phonenumbers still decides whether the number is valid.
_PLAIN_DANISH = re.compile(r"^(?:\+45)?([1-9][0-9]{7})$")


def normalise_phone(value: str | None, *, region: str = "DK") -> str | None:
    """Return the number in E.164 (+4522334455), reading Danish formats like '22 33 44 55' and '0045…'."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    plain = _PLAIN_DANISH.match(text) if region == "DK" else None
    if plain is not None:
        number = phonenumbers.PhoneNumber(country_code=45, national_number=int(plain[1]))
    else:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException as exc:
            raise InvalidInput(field="phone", message=_l("Type a valid phone number.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(field="phone", message=_l("Type a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Plain ASCII addresses (dot-atom local part, letters-digits-hyphen domain): most of them. For these only
# the domain needs email-validator's slow checks, and debtors share few domains, so those are remembered.
_PLAIN_EMAIL = re.compile(r"^([A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*)@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,63})$")


@lru_cache(maxsize=4096)
def _plain_domain(domain: str) -> str | None:
    """The normal form of a domain email-validator accepts, or None."""
    try:
        return validate_email(f"x@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None


def normalise_email(value: str | None) -> str | None:
    """Return the e-mail address in normal form, or raise InvalidInput naming the field."""
    if not value or not value.strip():
        return None
    text = value.strip()
    plain = _PLAIN_EMAIL.match(text)
    if plain and len(text) <= 254 and len(plain[1]) <= 64 and (domain := _plain_domain(plain[2])):
        return f"{plain[1]}@{domain}"
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInput(field="email", message=_l("Type a valid e-mail address.")) from exc
