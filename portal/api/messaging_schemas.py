"""Request and response shapes of the reminder flow and message template routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from portal.api.schemas import Input, Text

Clock = Text(5, 5, r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
TemplateName = Text(40, 1, r"^[a-z0-9_]+$")


class StepIn(Input):
    """One step: its day after the due date, the channel, and one template or two variants."""

    day: int = Field(ge=0, le=60, description="Days after the earliest due date; the step goes at the end of the "
                                              "quiet hours (08:00 Copenhagen by default) that day.")  # fmt: skip
    channel: Literal["sms", "email", "handover"]
    template: TemplateName | None = Field(None, description="Required for sms and email; none for handover.")
    template_b: TemplateName | None = Field(None, description="A second variant: half the cases (by a stable hash) "
                                                              "get it instead.")  # fmt: skip

    @model_validator(mode="after")
    def _templates_fit_the_channel(self) -> StepIn:
        """A message step names a template; the hand-over names none."""
        if self.channel == "handover" and (self.template or self.template_b):
            raise ValueError("a handover step sends nothing and names no template")
        if self.channel != "handover" and not self.template:
            raise ValueError("an sms or email step needs a template")
        return self


class FlowIn(Input):
    """The creditor's flow: steps, quiet hours for SMS (Europe/Copenhagen) and the SMS sender name."""

    steps: list[StepIn] = Field(min_length=1, max_length=20)
    quiet_start: Clock | None = Field(None, description="No SMS from this time … (default 21:00)")
    quiet_end: Clock | None = Field(None, description="… until this time (default 08:00).")
    sms_sender: Text(11, 1, r"^[A-Za-z0-9]+$") | None = Field(
        None, description="Up to 11 letters and digits; default: the creditor's name."
    )


class TemplateIn(Input):
    """A template override (Jinja): variables brand, link, greeting_name, contact_phone, contact_email."""

    text: Text(2000) = Field(description="The SMS, or the e-mail's plain-text part. Must contain {{ link }}.")
    subject: Text(200) | None = Field(None, description="E-mail only, required there.")
    html: Text(100_000) | None = Field(None, description="E-mail only: the HTML body inside the branded layout; "
                                                         "without it the text is used.")  # fmt: skip


class Step(BaseModel):
    """A step of a flow."""

    day: int
    channel: Literal["sms", "email", "handover"]
    template: str | None
    template_b: str | None


class QuietHours(BaseModel):
    """No flow SMS from start until end (Europe/Copenhagen)."""

    start: str
    end: str


class Flow(BaseModel):
    """The creditor's flow (or the default one), with warnings such as an SMS longer than one segment."""

    steps: list[Step]
    quiet_hours: QuietHours
    sms_sender: str | None
    is_default: bool
    warnings: list[str]


class Template(BaseModel):
    """A template as a creditor's messages use it."""

    channel: Literal["sms", "email"]
    locale: Literal["da", "en"]
    name: str
    origin: Literal["default", "creditor"]
    text: str
    subject: str | None
    html: str | None
    segments: int | None = Field(description="SMS only: segments with an 80-character link.")
    warnings: list[str]


class TemplateList(BaseModel):
    """Every template the creditor's messages can use."""

    data: list[Template]
