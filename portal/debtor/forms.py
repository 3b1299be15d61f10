"""Forms on the debtor pages, with lazily translated labels and messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional


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
