"""Cases: creating one with its debtor, invoices and fees (the write side)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.models import Case, Creditor, Debtor, Fee, Invoice, InvoiceLine
from portal.services import events
from portal.services.contact import normalise_email, normalise_phone
from portal.services.errors import InvalidInput


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
    check_amounts(invoices, fees)
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


def check_amounts(invoices: list[NewInvoice], fees: list[NewFee]) -> None:
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
