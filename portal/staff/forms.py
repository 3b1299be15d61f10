"""Forms on the staff pages, with lazily translated labels and messages."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

_AMOUNT = re.compile(r"^(\d{1,9})(?:[.,](\d{1,2}))?$")


class LoginForm(FlaskForm):
    """E-mail and password: the first of two steps."""

    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(message=_l("Type your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Type your password.")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField(validators=[Optional(), Length(max=500)])


class CodeForm(FlaskForm):
    """The code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(message=_l("Type the code.")), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"},
    )


class ActionForm(FlaskForm):
    """A button that changes something (CSRF only)."""


class NoteForm(FlaskForm):
    """A note on the case's timeline."""

    text = TextAreaField(
        _l("Note"), validators=[DataRequired(message=_l("Write the note.")), Length(max=2000)], render_kw={"rows": 3}
    )


def _amount_in_ore(_form, field) -> None:
    """Accept '1234', '1234,50' or '1234.50' kroner and keep the amount in øre."""
    match = _AMOUNT.match((field.data or "").replace(" ", "").replace("\xa0", ""))
    if not match:
        raise ValidationError(_l("Type the amount in kroner, for example 1234,50."))
    field.ore = int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))


class PaymentForm(FlaskForm):
    """A payment received outside the portal, e.g. a bank transfer."""

    amount = StringField(
        _l("Amount in kroner"),
        validators=[DataRequired(message=_l("Type the amount.")), _amount_in_ore],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    reference = StringField(
        _l("Bank reference"),
        validators=[DataRequired(message=_l("Type the bank's reference for the payment.")), Length(max=100)],
        render_kw={"autocomplete": "off"},
    )


class PlanDecisionForm(FlaskForm):
    """Approve or reject a waiting payment plan (the button pressed says which), with a message."""

    decision = StringField(validators=[AnyOf(("approve", "reject"), message=_l("Choose approve or reject."))])
    message = TextAreaField(
        _l("Message to the debtor (optional)"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 3}
    )


class DisputeResolutionForm(FlaskForm):
    """The outcome of a dispute and the message the debtor reads."""

    outcome = RadioField(
        _l("Outcome"),
        choices=[
            SelectChoice("accepted", _l("Accepted: the debtor is right")),
            SelectChoice("rejected", _l("Rejected: the claim stands, reminders resume")),
            SelectChoice("adjusted", _l("Adjusted: the amount has been corrected")),
        ],
        validators=[InputRequired(message=_l("Choose an outcome."))],
    )
    message = TextAreaField(
        _l("Message to the debtor"),
        validators=[DataRequired(message=_l("Write a message to the debtor.")), Length(max=2000)],
        render_kw={"rows": 3},
    )
