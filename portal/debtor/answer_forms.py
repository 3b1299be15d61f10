"""Forms for the debtor's answers (dispute, already paid, promise, call me, contact details)."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from portal.models.answer import CALLBACK_WINDOWS, DISPUTE_REASONS, DISPUTE_TEXT_MAX, PAYMENT_CHANNELS

# The choices shown, in order, with their debtor-facing labels.
DISPUTE_REASON_LABELS = {
    "already_paid": _l("I have already paid"),
    "wrong_amount": _l("The amount is wrong"),
    "product_or_service": _l("There is a problem with the product or service"),
    "not_my_debt": _l("It is not my debt"),
    "other": _l("Something else"),
}
CHANNEL_LABELS = {
    "bank_transfer": _l("Bank transfer"),
    "fi_card": _l("FI card (payment slip)"),
    "betalingsservice": _l("Betalingsservice"),
    "other": _l("Another way"),
}
WINDOW_LABELS = {
    "morning": _l("Morning (8–12)"),
    "midday": _l("Midday (12–15)"),
    "afternoon": _l("Afternoon (15–18)"),
    "any": _l("Any time"),
}
_DATE_FORMS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?P<y>\d{4})$"),
)
_PHONE_LENGTH = Length(max=30, message=_l("Type a valid phone number."))


def parse_day(text: str | None) -> date | None:
    """A date typed as 2026-11-29 (what a date field sends) or 29.11.2026, 29-11-2026, 29/11/2026; else None."""
    for pattern in _DATE_FORMS:
        if match := pattern.match((text or "").strip()):
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


def _choice(values, message) -> list:
    """Validators for a radio group: something chosen, and one of the values."""
    return [InputRequired(message=message), AnyOf(values, message=message)]


class DisputeForm(FlaskForm):
    """Indsigelse: why, in the debtor's words, with up to three files."""

    reason = StringField(
        _l("Why do you disagree?"), validators=_choice(DISPUTE_REASONS, _l("Choose why you disagree."))
    )
    text = TextAreaField(
        _l("Tell us more (optional unless you chose something else)"),
        validators=[Optional(), Length(max=DISPUTE_TEXT_MAX, message=_l("Write at most 2,000 characters."))],
    )
    files = MultipleFileField(_l("Documentation (optional)"))


class PaidForm(FlaskForm):
    """ "I have already paid": when, how much, how, and the reference if any."""

    paid_on = StringField(
        _l("Date you paid"), validators=[InputRequired(message=_l("Type the date you paid."))],
        render_kw={"type": "date", "autocomplete": "off"},
    )  # fmt: skip
    amount = StringField(
        _l("Amount you paid, in kroner"), validators=[InputRequired(message=_l("Type the amount you paid."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )  # fmt: skip
    channel = StringField(_l("How did you pay?"), validators=_choice(PAYMENT_CHANNELS, _l("Choose how you paid.")))
    reference = StringField(
        _l("Reference or receipt number (optional)"),
        validators=[Optional(), Length(max=100, message=_l("Write at most 100 characters."))],
        render_kw={"autocomplete": "off"},
    )


class PromiseForm(FlaskForm):
    """ "I will pay on …"."""

    promised_on = StringField(
        _l("Date you will pay"), validators=[InputRequired(message=_l("Choose the date you will pay."))],
        render_kw={"type": "date", "autocomplete": "off"},
    )  # fmt: skip


class CallbackForm(FlaskForm):
    """ "Call me": the number and when."""

    phone = StringField(
        _l("Phone number"),
        validators=[InputRequired(message=_l("Type the phone number we should call.")), _PHONE_LENGTH],
        render_kw={"type": "tel", "autocomplete": "tel", "inputmode": "tel"},
    )
    window = StringField(
        _l("When may we call?"), validators=_choice(CALLBACK_WINDOWS, _l("Choose when we may call you."))
    )


class ContactForm(FlaskForm):
    """New contact details: an e-mail address, a phone number, or both."""

    email = StringField(
        _l("New e-mail address"), validators=[Optional(), Length(max=254, message=_l("Type a valid e-mail address."))],
        render_kw={"type": "email", "autocomplete": "email"},
    )  # fmt: skip
    phone = StringField(
        _l("New phone number"), validators=[Optional(), _PHONE_LENGTH],
        render_kw={"type": "tel", "autocomplete": "tel", "inputmode": "tel"},
    )  # fmt: skip
