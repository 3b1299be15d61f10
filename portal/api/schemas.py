"""The API's request and response shapes (pydantic); the OpenAPI document is generated from them."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from portal.services.cases import NewDebtor, NewFee, NewInvoice, NewLine
from portal.services.intake import MAX_CASE_TOTAL, NewCase
from portal.services.webhook_endpoints import EVENT_TYPES

MAX_BATCH = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_AMOUNT = 1_000_000_000  # 10 million kroner in øre


def _plain(value: str) -> str:
    """Refuse control characters and unpaired surrogates, which no database column should hold."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("must be valid Unicode text") from error
    return value


def Text(max_length: int, min_length: int = 1, pattern: str | None = None) -> Any:  # noqa: N802 (a type factory)
    """A trimmed string with length bounds and no control characters."""
    constraints = StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=pattern
    )
    return Annotated[str, constraints, AfterValidator(_plain)]


Amount = Annotated[int, Field(strict=True, gt=0, le=MAX_AMOUNT, description="Whole øre, positive.")]
LineAmount = Annotated[int, Field(strict=True, ge=-MAX_AMOUNT, le=MAX_AMOUNT, description="Whole øre.")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), Field(description="ISO 4217 code.")]
EventType = Literal[("*", *EVENT_TYPES)]  # type: ignore[valid-type]


class Input(BaseModel):
    """Base of every request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class AddressIn(Input):
    """The debtor's postal address."""

    street: Text(200) | None = None
    postcode: Text(10) | None = None
    city: Text(100) | None = None


_NO_ADDRESS = AddressIn()


class DebtorIn(Input):
    """Who owes; never a CPR number."""

    name: Text(200)
    kind: Literal["person", "business"] = "person"
    email: Text(254) | None = None
    phone: Text(30) | None = Field(None, description="Danish or E.164; stored as E.164.")
    locale: Literal["da", "en"] = Field("da", description="The language the debtor's pages open in.")
    customer_number: Text(64) | None = None
    company_cvr: Text(8, 8, r"^[0-9]{8}$") | None = None
    address: AddressIn | None = None


class LineIn(Input):
    """One line of an invoice."""

    description: Text(300)
    amount: LineAmount


class InvoiceIn(Input):
    """One invoice; its lines (if any) add up to its amount."""

    number: Text(64)
    issued_on: date
    due_on: date
    amount: Amount
    lines: list[LineIn] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _due_after_issue(self) -> InvoiceIn:
        """An invoice falls due on or after the day it was issued."""
        if self.due_on < self.issued_on:
            raise ValueError("due_on must not be before issued_on")
        return self


class FeeIn(Input):
    """A fee the creditor charges, e.g. a rykkergebyr."""

    kind: Text(40, pattern=r"^[a-z][a-z0-9_]*$")
    amount: Amount
    description: Text(300)


class PolicyIn(Input):
    """Overrides of the creditor's policy for this case (portal.services.policy lists the defaults)."""

    payment_methods: list[Literal["mobilepay", "card"]] | None = Field(None, min_length=1, max_length=2)
    partial_payment_minimum: Amount | None = None
    plans_allowed: bool | None = None
    plan_max_installments: int | None = Field(None, ge=2, le=36)
    plan_min_installment: Amount | None = None
    plan_first_due_max_days: int | None = Field(None, ge=0, le=90)
    plan_auto_approve_max_total: Amount | None = None
    plan_grace_days: int | None = Field(None, ge=0, le=60)
    promises_allowed: bool | None = None
    promise_max_days: int | None = Field(None, ge=1, le=60)
    promise_grace_days: int | None = Field(None, ge=0, le=30)
    already_paid_allowed: bool | None = None
    already_paid_pause_bank_days: int | None = Field(None, ge=1, le=20)
    formal_reminder_day: int | None = Field(None, ge=1, le=90)
    operator_decides: bool | None = None


class CaseIn(Input):
    """A new case: the debtor, the invoices with lines, fees and an external reference."""

    external_id: Text(100)
    currency: Currency = "DKK"
    debtor: DebtorIn
    invoices: list[InvoiceIn] = Field(min_length=1, max_length=100)
    fees: list[FeeIn] = Field(default_factory=list, max_length=20)
    policy: PolicyIn | None = None

    @model_validator(mode="after")
    def _total_fits(self) -> CaseIn:
        """The case's total must fit what the portal can hold."""
        if sum([i.amount for i in self.invoices]) + sum([f.amount for f in self.fees]) > MAX_CASE_TOTAL:
            raise ValueError("the case's total is too large")
        return self


class BatchIn(Input):
    """Up to 1,000 cases, each validated on its own."""

    cases: list[CaseIn] = Field(min_length=1, max_length=MAX_BATCH)


class BatchEnvelope(Input):
    """The batch body before each case is validated on its own."""

    cases: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH)


class CancelIn(Input):
    """Why a case is cancelled (optional)."""

    reason: Text(200) | None = None


class AdjustmentIn(Input):
    """A payment or credit made outside the portal."""

    kind: Literal["payment", "credit"]
    amount: Amount
    reference: Text(100) | None = None
    note: Text(500) | None = None


class PlanDecisionIn(Input):
    """A decision on a waiting payment plan, with a message the debtor sees on the case page."""

    message: Text(1000) | None = None


class DisputeResolveIn(Input):
    """How the creditor resolves the open dispute, and the message the debtor reads."""

    outcome: Literal["accepted", "rejected", "adjusted"] = Field(
        description="accepted: the debtor is right (reminders stay paused; cancel or adjust the case); rejected: "
        "the claim stands (reminders resume); adjusted: the amount was changed through /adjustments first "
        "(reminders resume for what is now owed)."
    )
    message: Text(2000) = Field(description="Shown to the debtor on the case page, as written.")


class EndpointIn(Input):
    """A webhook endpoint: an https URL and the event types it wants ('*' for all)."""

    url: Text(2000)
    events: list[EventType] = Field(default_factory=lambda: ["*"], min_length=1, max_length=50)
    description: Text(200, 0) = ""


class Empty(Input):
    """No fields."""


class PageQuery(Input):
    """Cursor pagination: the id of the last item seen, and how many to return."""

    cursor: Text(40, pattern=r"^[A-Za-z0-9_]+$") | None = None
    limit: int = Field(50, ge=1, le=100)


class CaseQuery(PageQuery):
    """Filters for the case list."""

    external_id: Text(100) | None = None
    status: Literal["open", "paid", "closed", "cancelled"] | None = None


class EventQuery(PageQuery):
    """Filters for the event list."""

    type: list[Text(60)] = Field(default_factory=list, max_length=20)


def _lines(lines: list[LineIn]) -> tuple[NewLine, ...]:
    """An invoice's lines for the service."""
    return tuple([NewLine(x.description, x.amount) for x in lines])


def new_case(data: CaseIn) -> NewCase:
    """The service's input from the validated request."""
    d, address = data.debtor, data.debtor.address or _NO_ADDRESS
    debtor = NewDebtor(
        name=d.name, kind=d.kind, email=d.email, phone=d.phone, street=address.street, postcode=address.postcode,
        city=address.city, customer_number=d.customer_number, company_cvr=d.company_cvr, locale=d.locale,
    )  # fmt: skip
    invoices = tuple([NewInvoice(i.number, i.issued_on, i.due_on, i.amount, _lines(i.lines)) for i in data.invoices])
    fees = tuple([NewFee(f.kind, f.amount, f.description) for f in data.fees])
    policy = data.policy.model_dump(exclude_none=True) if data.policy else None
    return NewCase(data.external_id, debtor, invoices, fees, data.currency, policy or None)
