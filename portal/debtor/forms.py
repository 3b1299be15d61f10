"""Forms on the debtor pages, with lazily translated labels and messages."""

from __future__ import annotations

import re

from babel.numbers import NumberFormatError, parse_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional


class ContinueForm(FlaskForm):
    """The Fortsæt button on the link landing page (CSRF only)."""


class PostcodeForm(FlaskForm):
    """Fortsæt with the light second factor some creditors require."""

    postcode = StringField(
        _l("Your postcode"),
        validators=[DataRequired(message=_l("Type the postcode of your address.")), Length(max=10)],
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric"},
    )


class LanguageForm(FlaskForm):
    """The Dansk/English switch."""

    lang = HiddenField(validators=[DataRequired()])
    next = HiddenField(validators=[Optional(), Length(max=500)])


class PayForm(FlaskForm):
    """A pay button per method; the amount field only where the creditor allows part payments."""

    method = StringField(validators=[DataRequired(), Length(max=20)])
    amount = StringField(
        _l("Amount in kroner"),
        validators=[Optional(), Length(max=20)],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    # The amount the page showed, in øre, so a changed amount is never charged unseen.
    expected = IntegerField(validators=[Optional()])
    # Set by the "pay the next instalment" buttons: that instalment's amount in øre, as the page showed it.
    installment = IntegerField(validators=[Optional()])


class PlanForm(FlaskForm):
    """A payment plan: a number of instalments or a monthly amount, and the first date."""

    split = RadioField(
        _l("How would you like to split the amount?"),
        choices=[
            SelectChoice("count", _l("In a number of instalments")),
            SelectChoice("monthly", _l("By an amount each month")),
        ],
        default="count",
        validators=[DataRequired(message=_l("Choose how to split the amount."))],
    )
    count = SelectField(_l("Number of instalments"), coerce=int, validate_choice=False, validators=[Optional()])
    monthly = StringField(
        _l("Amount each month in kroner"),
        validators=[Optional(), Length(max=20)],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    first_due_on = DateField(
        _l("Date of the first instalment"),
        validators=[DataRequired(message=_l("Choose the date of the first instalment."))],
    )
    action = StringField(validators=[Optional(), AnyOf(("preview", "send"))])


class DemoCheckoutForm(FlaskForm):
    """The demo provider's test page: approve or decline."""

    decision = StringField(validators=[DataRequired(), AnyOf(("approve", "decline"))])


def parse_kroner(text: str | None, locale: str) -> int | None:
    """Øre from an amount typed in kroner ('1.234,50', '500', '500 kr.'), or None when it is not one."""
    cleaned = re.sub(r"(?i)\s|kr\.?|dkk", "", text or "")
    try:
        value = parse_decimal(cleaned, locale=locale, strict=True)
    except NumberFormatError:
        return None
    ore = value.scaleb(2)
    return int(ore) if ore == ore.to_integral_value() else None
