"""Bulk intake: many cases validated one by one and written with a few multi-row INSERTs.

The creditor API (one case or a batch) and the CSV import both come through here. Every case is
checked on its own, so one bad case is reported without stopping the others; the good ones are
written with Core executemany statements (a handful per batch rather than a handful per case),
each with its case.created event and the creditor webhook in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Case, Debtor, Event, Fee, Invoice, InvoiceLine, OutboxMessage, utcnow
from portal.models.base import public_id
from portal.models.case import new_link_id
from portal.services import outbox
from portal.services.bulk import insert_rows as _insert
from portal.services.cases import NewDebtor, NewFee, NewInvoice, check_amounts
from portal.services.contact import normalise_email, normalise_phone
from portal.services.errors import DomainError, InvalidInput

# The case's amount column is a 32-bit integer: 21.474.836,47 kr. is the most a case can owe.
MAX_CASE_TOTAL = 2**31 - 1
CHUNK = 1000


@dataclass(frozen=True)
class NewCase:
    """Everything a creditor sends to open a case."""

    external_id: str
    debtor: NewDebtor
    invoices: tuple[NewInvoice, ...]
    fees: tuple[NewFee, ...] = ()
    currency: str = "DKK"
    policy: dict[str, Any] | None = None


class DuplicateCase(DomainError):
    """The creditor already has a case with this external id (or the batch names it twice)."""

    reason = _l("A case with this external_id already exists.")
    field = "external_id"


@dataclass(frozen=True)
class Rejected:
    """A case that was not created, and why."""

    index: int
    error: DomainError


@dataclass
class _Prepared:
    """A case that passed its checks, with normalised contact details, on its way into the database."""

    index: int
    new: NewCase
    email: str | None
    phone: str | None
    total: int
    record: SimpleNamespace = field(default_factory=SimpleNamespace)


def _prepare(index: int, new: NewCase) -> _Prepared:
    """Check one case's amounts and contact details; raise InvalidInput naming the field."""
    check_amounts(list(new.invoices), list(new.fees))
    total = sum(i.amount for i in new.invoices) + sum(f.amount for f in new.fees)
    if total > MAX_CASE_TOTAL:
        raise InvalidInput(field="invoices", message=_l("The case's total is larger than the portal can hold."))
    try:
        email, phone = normalise_email(new.debtor.email), normalise_phone(new.debtor.phone)
    except InvalidInput as error:
        raise InvalidInput(field=f"debtor.{error.field}", message=error.message) from error
    return _Prepared(index, new, email, phone, total)


def _existing(session: Session, creditor_id: int, external_ids: list[str]) -> set[str]:
    """Which of these external ids the creditor already has cases for."""
    found: set[str] = set()
    for start in range(0, len(external_ids), CHUNK):
        chunk = external_ids[start : start + CHUNK]
        found.update(
            session.scalars(
                select(Case.external_id).where(Case.creditor_id == creditor_id, Case.external_id.in_(chunk))
            )
        )
    return found


def _check_all(session: Session, creditor_id: int, cases: Sequence[NewCase]) -> tuple[list[_Prepared], list[Rejected]]:
    """Split the cases into those ready to write and those rejected (bad input or a duplicate)."""
    ready, rejected, seen = [], [], set()
    existing = _existing(session, creditor_id, list({c.external_id for c in cases}))
    for index, new in enumerate(cases):
        if new.external_id in seen or new.external_id in existing:
            rejected.append(Rejected(index, DuplicateCase()))
            continue
        seen.add(new.external_id)
        try:
            ready.append(_prepare(index, new))
        except InvalidInput as error:
            rejected.append(Rejected(index, error))
    return ready, rejected


def _write_debtors(session: Session, creditor_id: int, ready: list[_Prepared], now) -> None:
    """Insert one debtor per case and attach it to the case's record."""
    rows = []
    for item in ready:
        d = item.new.debtor
        item.record.debtor = SimpleNamespace(
            public_id=public_id("deb"),
            creditor_id=creditor_id,
            kind=d.kind,
            name=d.name,
            company_cvr=d.company_cvr,
            email=item.email,
            phone=item.phone,
            street=d.street,
            postcode=d.postcode,
            city=d.city,
            customer_number=d.customer_number,
            locale=d.locale,
            created_at=now,
        )
        rows.append(vars(item.record.debtor).copy())
    for item, new_id in zip(ready, _insert(session, Debtor, rows, ids=True), strict=True):
        item.record.debtor.id = new_id


def _write_cases(session: Session, creditor_id: int, ready: list[_Prepared], now) -> None:
    """Insert the case rows themselves (open, owing their total, link version 1)."""
    rows = []
    for item in ready:
        record = item.record
        record.__dict__.update(
            public_id=public_id("cas"),
            creditor_id=creditor_id,
            debtor_id=record.debtor.id,
            external_id=item.new.external_id,
            status="open",
            currency=item.new.currency,
            outstanding=item.total,
            policy=item.new.policy,
            link_id=new_link_id(),
            link_version=1,
            link_fetched_version=0,
            link_engaged_version=0,
            revision=1,
            created_at=now,
            updated_at=now,
            closed_at=None,
        )
        rows.append({k: v for k, v in vars(record).items() if k != "debtor"})
    for item, new_id in zip(ready, _insert(session, Case, rows, ids=True), strict=True):
        item.record.id = new_id


def _write_claims(session: Session, ready: list[_Prepared]) -> None:
    """Insert the invoices, their lines and the fees."""
    invoice_rows, owners = [], []
    for item in ready:
        item.record.invoices, item.record.fees = [], []
        for invoice in item.new.invoices:
            row = SimpleNamespace(
                case_id=item.record.id,
                number=invoice.number,
                issued_on=invoice.issued_on,
                due_on=invoice.due_on,
                amount=invoice.amount,
            )
            invoice_rows.append(vars(row).copy())
            owners.append((row, invoice))
            item.record.invoices.append(row)
        for fee in item.new.fees:
            item.record.fees.append(
                SimpleNamespace(case_id=item.record.id, kind=fee.kind, amount=fee.amount, description=fee.description)
            )
    line_rows = []
    for (row, invoice), new_id in zip(owners, _insert(session, Invoice, invoice_rows, ids=True), strict=True):
        row.id = new_id
        row.lines = [
            SimpleNamespace(position=n, description=x.description, amount=x.amount) for n, x in enumerate(invoice.lines)
        ]
        line_rows.extend({"invoice_id": new_id, **vars(line)} for line in row.lines)
    _insert(session, InvoiceLine, line_rows, ids=False)
    _insert(session, Fee, [vars(f) for item in ready for f in item.record.fees], ids=False)


def _write_events(session: Session, ready: list[_Prepared], actor: str, now) -> None:
    """Record case.created on each timeline and queue the creditor webhook for it."""
    events, messages = [], []
    for item in ready:
        case = item.record
        event_id = public_id("evt")
        data = {"outstanding": case.outstanding, "currency": case.currency}
        events.append(
            dict(
                public_id=event_id,
                creditor_id=case.creditor_id,
                case_id=case.id,
                type="case.created",
                actor=actor,
                data=data,
                created_at=now,
            )
        )
        payload = {
            "id": event_id,
            "type": "case.created",
            "created_at": now.isoformat(),
            "data": {"case": outbox.case_summary(case)},
        }
        messages.append(
            dict(
                public_id=event_id,
                channel=outbox.WEBHOOK,
                creditor_id=case.creditor_id,
                case_id=case.id,
                type="case.created",
                payload=payload,
                status="pending",
                attempts=0,
                available_at=now,
                created_at=now,
            )
        )
    _insert(session, Event, events, ids=False)
    _insert(session, OutboxMessage, messages, ids=False)


def create_cases(
    session: Session, creditor_id: int, cases: Sequence[NewCase], *, actor: str = "api"
) -> list[SimpleNamespace | Rejected]:
    """Create every valid case (in the caller's transaction); return, in input order, a record or a Rejected."""
    ready, rejected = _check_all(session, creditor_id, cases)
    now = utcnow()
    for start in range(0, len(ready), CHUNK):
        chunk = ready[start : start + CHUNK]
        _write_debtors(session, creditor_id, chunk, now)
        _write_cases(session, creditor_id, chunk, now)
        _write_claims(session, chunk)
        _write_events(session, chunk, actor, now)
    results: list[SimpleNamespace | Rejected | None] = [None] * len(cases)
    for item in ready:
        results[item.index] = item.record
    for item in rejected:
        results[item.index] = item
    return results  # type: ignore[return-value]
