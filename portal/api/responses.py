"""The API's response shapes (documentation for the OpenAPI document; the serializers write them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class Output(BaseModel):
    """Base of every response body."""


class Link(Output):
    """The case's current one-click link for the debtor."""

    url: str
    version: int


class Address(Output):
    """A postal address."""

    street: str | None
    postcode: str | None
    city: str | None


class Debtor(Output):
    """The debtor as stored (phone in E.164)."""

    id: str
    name: str
    kind: str
    email: str | None
    phone: str | None
    locale: str
    customer_number: str | None
    company_cvr: str | None
    address: Address


class Line(Output):
    """An invoice line."""

    description: str
    amount: int


class Invoice(Output):
    """An invoice."""

    number: str
    issued_on: date
    due_on: date
    amount: int
    lines: list[Line]


class Fee(Output):
    """A fee."""

    kind: str
    amount: int
    description: str


class CaseSummary(Output):
    """A case without its details."""

    id: str
    external_id: str
    status: Literal["open", "paid", "closed", "cancelled"]
    outstanding: int
    currency: str
    created_at: datetime
    closed_at: datetime | None
    link: Link


class PlanInstallment(Output):
    """One instalment of a payment plan and what has been paid of it (payments are allocated in order)."""

    number: int
    due_on: date
    amount: int
    paid: int


class PaymentPlan(Output):
    """The case's newest payment plan: requested, approved, rejected, defaulted, completed or cancelled."""

    id: str
    status: Literal["requested", "approved", "rejected", "defaulted", "completed", "cancelled"]
    currency: str
    total: int
    paid: int
    installment_count: int
    next_due_on: date | None
    grace_days: int
    creditor_message: str | None
    decided_by: str | None = Field(description='"system" when approved at once within the policy, else "api" or staff')
    requested_at: datetime
    decided_at: datetime | None
    installments: list[PlanInstallment]


class EvidenceFile(Output):
    """An evidence file of a dispute; fetch it from /cases/{case_id}/dispute/files/{id}."""

    id: str
    filename: str
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int
    sha256: str


class Dispute(Output):
    """The debtor's newest dispute (indsigelse) and, once resolved, the outcome and message."""

    id: str
    status: Literal["open", "resolved"]
    reason: Literal["already_paid", "wrong_amount", "product_or_service", "not_my_debt", "other"]
    text: str
    outcome: Literal["accepted", "rejected", "adjusted"] | None
    message: str | None
    opened_at: datetime
    resolved_at: datetime | None
    files: list[EvidenceFile]


class DisputeResolved(Dispute):
    """The resolved dispute and the case after it."""

    case: CaseSummary


class Promise(Output):
    """The debtor's newest promise to pay: active until paid (kept) or the deadline passes unpaid (broken)."""

    id: str
    status: Literal["active", "kept", "broken"]
    promised_on: date
    deadline_at: datetime
    created_at: datetime


class AlreadyPaid(Output):
    """The debtor's newest "I have already paid" report."""

    id: str
    paid_on: date
    amount: int
    channel: Literal["bank_transfer", "fi_card", "betalingsservice", "other"]
    reference: str | None
    reported_at: datetime
    nudges_paused_until: datetime


class Callback(Output):
    """The debtor's newest request to be called (phone in E.164)."""

    id: str
    phone: str
    window: Literal["morning", "midday", "afternoon", "any"]
    requested_at: datetime


class Nudges(Output):
    """Why reminder nudges are paused, and until when (both null when they are not)."""

    paused_reason: Literal["plan", "dispute", "promise", "already_paid", "staff"] | None
    paused_until: datetime | None


class Case(CaseSummary):
    """A case with debtor, invoices, fees, policy overrides, the debtor's newest answers and payment plan."""

    debtor: Debtor
    invoices: list[Invoice]
    fees: list[Fee]
    policy: dict[str, Any] | None
    payment_plan: PaymentPlan | None
    dispute: Dispute | None
    promise: Promise | None
    already_paid: AlreadyPaid | None
    callback: Callback | None
    nudges: Nudges


class PlanDecision(Output):
    """A payment plan after a decision, and its case."""

    payment_plan: PaymentPlan
    case: CaseSummary


class CaseList(Output):
    """A page of cases."""

    data: list[CaseSummary]
    has_more: bool
    next_cursor: str | None


class Problem(Output):
    """An error (RFC 9457), naming the fields at fault."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[dict[str, str]] | None = None


class BatchItem(Output):
    """One case of a batch: created (201) or refused (409, 422)."""

    index: int
    status: int
    case: Case | None = None
    problem: Problem | None = None


class BatchResult(Output):
    """What became of each case in a batch, in the order sent."""

    created: int
    failed: int
    results: list[BatchItem]


class Adjustment(Output):
    """A recorded adjustment, and the case after it."""

    id: str
    kind: str
    amount: int
    reference: str | None
    note: str | None
    created_at: datetime
    case: CaseSummary


class Event(Output):
    """One event of a case's timeline."""

    id: str
    type: str
    created_at: datetime
    case: str | None
    actor: str
    data: dict[str, Any]


class EventList(Output):
    """A page of events; poll again with next_cursor for what happens later."""

    data: list[Event]
    has_more: bool
    next_cursor: str | None


class Endpoint(Output):
    """A webhook endpoint."""

    id: str
    url: str
    events: list[str]
    description: str
    status: Literal["active", "disabled"]
    disabled_reason: str | None
    created_at: datetime
    secret_rotated_until: datetime | None


class EndpointWithSecret(Endpoint):
    """A webhook endpoint just created or rotated: its secret is shown this once."""

    secret: str


class EndpointList(Output):
    """Every endpoint of the creditor."""

    data: list[Endpoint]


class Attempt(Output):
    """One HTTP attempt of a delivery."""

    number: int
    started_at: datetime
    succeeded: bool
    status_code: int | None
    latency_ms: int
    error: str | None
    response_body: str | None


class Delivery(Output):
    """One message to one endpoint, with every attempt so far."""

    id: str
    endpoint: str
    event_id: str
    event_type: str
    status: Literal["pending", "succeeded", "failed", "cancelled"]
    attempts: list[Attempt]
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryList(Output):
    """A page of an endpoint's deliveries."""

    data: list[Delivery]
    has_more: bool
    next_cursor: str | None
