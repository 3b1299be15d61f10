"""Cases: creating one with its invoices and fees, and reading one for the debtor in four queries."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from portal.models import Case, Creditor, Debtor, Fee, Invoice, InvoiceLine, Payment
from portal.services import events
from portal.services.contact import normalise_email, normalise_phone
from portal.services.errors import InvalidInput, LinkRevoked, NotFound


@dataclass(frozen=True)
class CaseView:
    """A case with its creditor, debtor, invoices (with lines), fees and payments."""

    case: Case
    invoices: list[Invoice]
    fees: list[Fee]
    payments: list[Payment]

    @property
    def creditor(self) -> Creditor:
        """The creditor the case belongs to."""
        return self.case.creditor

    @property
    def debtor(self):
        """The debtor the case is about."""
        return self.case.debtor

    @property
    def invoiced_total(self) -> int:
        """Sum of all invoices and fees, in øre."""
        return sum(i.amount for i in self.invoices) + sum(f.amount for f in self.fees)

    @property
    def paid_total(self) -> int:
        """Sum of the payments recorded so far, in øre."""
        return sum(p.amount for p in self.payments)

    @property
    def earliest_due(self) -> date | None:
        """The earliest due date among the invoices."""
        return min((i.due_on for i in self.invoices), default=None)

    def state_key(self, *, locale: str, template_version: str) -> str:
        """Return a digest of everything a rendering shows, so a cached document is reused exactly when valid."""
        case, creditor, debtor = self.case, self.creditor, self.debtor
        state = {
            "case": [case.public_id, case.external_id, case.status, case.currency, case.outstanding],
            "creditor": [
                creditor.name,
                creditor.cvr,
                creditor.contact_email,
                creditor.contact_phone,
                creditor.address,
                creditor.fi_creditor_number,
                creditor.bank_account,
                creditor.brand_color,
            ],
            "debtor": [debtor.name, debtor.street, debtor.postcode, debtor.city, debtor.customer_number],
            "invoices": [
                [
                    i.number,
                    str(i.issued_on),
                    str(i.due_on),
                    i.amount,
                    [[line.description, line.amount] for line in i.lines],
                ]
                for i in self.invoices
            ],
            "fees": [[f.kind, f.description, f.amount] for f in self.fees],
            "payments": [[p.public_id, p.amount, p.method, p.paid_at.isoformat()] for p in self.payments],
            "locale": locale,
            "template": template_version,
        }
        return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def case_with_parties() -> Select[tuple[Case]]:
    """A query for cases with creditor (without its logo bytes) and debtor loaded in the same row."""
    return (
        select(Case)
        .join(Case.creditor)
        .join(Case.debtor)
        .options(contains_eager(Case.creditor).defer(Creditor.logo), contains_eager(Case.debtor))
    )


# Built once: the case page runs these on every view, and a reused statement skips its compilation.
_CASE_BY_PUBLIC_ID = case_with_parties().where(Case.public_id == bindparam("public_id"))
_INVOICES = (
    select(Invoice)
    .options(joinedload(Invoice.lines))
    .where(Invoice.case_id == bindparam("case_id"))
    .order_by(Invoice.due_on, Invoice.id)
)
_FEES = select(Fee).where(Fee.case_id == bindparam("case_id")).order_by(Fee.id)
_PAYMENTS = select(Payment).where(Payment.case_id == bindparam("case_id")).order_by(Payment.paid_at)


def load_case(session: Session, case_public_id: str, *, link_version: int | None = None) -> Case:
    """Load a case with its parties (one query); NotFound, or LinkRevoked when the session's link is stale."""
    case = session.scalars(_CASE_BY_PUBLIC_ID, {"public_id": case_public_id}).one_or_none()
    if case is None:
        raise NotFound()
    if link_version is not None and link_version != case.link_version:
        raise LinkRevoked(case=case)
    return case


def load_details(session: Session, case: Case) -> CaseView:
    """Add invoices with lines, fees and payments to a loaded case (three queries)."""
    by_case = {"case_id": case.id}
    return CaseView(
        case=case,
        invoices=list(session.scalars(_INVOICES, by_case).unique()),
        fees=list(session.scalars(_FEES, by_case)),
        payments=list(session.scalars(_PAYMENTS, by_case)),
    )


def load_case_view(session: Session, case_public_id: str, *, link_version: int | None = None) -> CaseView:
    """Load everything the case page and the PDF show, in four queries."""
    return load_details(session, load_case(session, case_public_id, link_version=link_version))


@dataclass(frozen=True)
class NewLine:
    """A line of a new invoice."""

    description: str
    amount: int


@dataclass(frozen=True)
class NewInvoice:
    """A new invoice; its lines must add up to its amount."""

    number: str
    issued_on: date
    due_on: date
    amount: int
    lines: tuple[NewLine, ...]


@dataclass(frozen=True)
class NewFee:
    """A fee supplied by the creditor."""

    kind: str
    amount: int
    description: str


@dataclass(frozen=True)
class NewDebtor:
    """The debtor's contact details as the creditor supplies them."""

    name: str
    kind: str = "person"
    email: str | None = None
    phone: str | None = None
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    customer_number: str | None = None
    company_cvr: str | None = None
    locale: str = "da"


def create_case(
    session: Session,
    creditor: Creditor,
    *,
    external_id: str,
    debtor: NewDebtor,
    invoices: list[NewInvoice],
    fees: list[NewFee] = (),
    currency: str = "DKK",
    actor: str = "system",
) -> Case:
    """Create a case with its debtor, invoices and fees; record case.created. Amounts in øre."""
    _check_amounts(invoices, fees)
    debtor_row = Debtor(
        creditor_id=creditor.id,
        name=debtor.name,
        kind=debtor.kind,
        email=normalise_email(debtor.email),
        phone=normalise_phone(debtor.phone),
        street=debtor.street,
        postcode=debtor.postcode,
        city=debtor.city,
        customer_number=debtor.customer_number,
        company_cvr=debtor.company_cvr,
        locale=debtor.locale,
    )
    session.add(debtor_row)
    session.flush()
    total = sum(i.amount for i in invoices) + sum(f.amount for f in fees)
    case = Case(
        creditor_id=creditor.id,
        debtor_id=debtor_row.id,
        external_id=external_id,
        currency=currency,
        outstanding=total,
        status="open",
    )
    session.add(case)
    session.flush()
    for invoice in invoices:
        row = Invoice(
            case_id=case.id,
            number=invoice.number,
            issued_on=invoice.issued_on,
            due_on=invoice.due_on,
            amount=invoice.amount,
        )
        session.add(row)
        session.flush()
        session.add_all(
            InvoiceLine(invoice_id=row.id, position=n, description=line.description, amount=line.amount)
            for n, line in enumerate(invoice.lines)
        )
    session.add_all(Fee(case_id=case.id, kind=f.kind, amount=f.amount, description=f.description) for f in fees)
    events.record(session, case, "case.created", actor=actor, data={"outstanding": total, "currency": currency})
    return case


def _check_amounts(invoices: list[NewInvoice], fees: list[NewFee]) -> None:
    """Refuse cases without invoices, with negative amounts, or with lines that do not add up."""
    if not invoices:
        raise InvalidInput(field="invoices", message=_l("A case needs at least one invoice."))
    for n, invoice in enumerate(invoices):
        if invoice.amount <= 0:
            raise InvalidInput(field=f"invoices[{n}].amount", message=_l("Amounts must be positive whole øre."))
        if invoice.lines and sum(line.amount for line in invoice.lines) != invoice.amount:
            raise InvalidInput(field=f"invoices[{n}].lines", message=_l("The lines must add up to the invoice amount."))
    for n, fee in enumerate(fees):
        if fee.amount <= 0:
            raise InvalidInput(field=f"fees[{n}].amount", message=_l("Amounts must be positive whole øre."))
