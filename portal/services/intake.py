"""Bulk intake: many cases validated one by one and written a table at a time.

The creditor API (one case or a batch) and the CSV import both come through here. Every case is
checked on its own, so one bad case is reported without stopping the others; the good ones are
built as plain row tuples and written with one COPY per table on PostgreSQL (one executemany
INSERT on SQLite), each with its case.created event and the creditor webhook in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portal.models import Case, Debtor, Event, Fee, Invoice, InvoiceLine, OutboxMessage, utcnow
from portal.models.base import public_id
from portal.models.case import new_link_id
from portal.services import outbox
from portal.services.bulk import insert_rows
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


@dataclass(slots=True)
class _Prepared:
    """A case that passed its checks, with normalised contact details, on its way into the database."""

    index: int
    new: NewCase
    email: str | None
    phone: str | None
    total: int
    record: SimpleNamespace | None = None


# The columns each bulk write fills, in the order its rows give them.
DEBTOR_COLUMNS = ("public_id", "creditor_id", "kind", "name", "company_cvr", "email", "phone", "street", "postcode",
                  "city", "customer_number", "locale", "created_at")  # fmt: skip
CASE_COLUMNS = ("public_id", "creditor_id", "debtor_id", "external_id", "status", "currency", "outstanding", "policy",
                "link_id", "link_version", "link_fetched_version", "link_engaged_version", "revision", "created_at",
                "updated_at", "closed_at")  # fmt: skip
INVOICE_COLUMNS = ("case_id", "number", "issued_on", "due_on", "amount")
LINE_COLUMNS = ("invoice_id", "position", "description", "amount")
FEE_COLUMNS = ("case_id", "kind", "amount", "description")
EVENT_COLUMNS = ("public_id", "creditor_id", "case_id", "type", "actor", "data", "created_at")
OUTBOX_COLUMNS = ("public_id", "channel", "creditor_id", "case_id", "type", "payload", "status", "attempts",
                  "available_at", "created_at")  # fmt: skip


def _prepare(index: int, new: NewCase) -> _Prepared:
    """Check one case's amounts and contact details; raise InvalidInput naming the field."""
    check_amounts(new.invoices, new.fees)
    total = sum(i.amount for i in new.invoices) + sum(f.amount for f in new.fees)
    if total > MAX_CASE_TOTAL:
        raise InvalidInput(field="invoices", message=_l("The case's total is larger than the portal can hold."))
    try:
        email, phone = normalise_email(new.debtor.email), normalise_phone(new.debtor.phone)
    except InvalidInput as error:
        raise InvalidInput(field=f"debtor.{error.field}", message=error.message) from error
    return _Prepared(index, new, email, phone, total)


# One array parameter (a thousand-item IN list costs more to build and plan than to run), and one lookup in the
# (creditor_id, external_id) unique index per id: LATERAL … LIMIT 1 keeps the planner from scanning all the
# creditor's cases instead when its statistics lag behind a fast-growing table.
_EXISTING_POSTGRESQL = text(
    "SELECT x.external_id FROM unnest(CAST(:external_ids AS varchar[])) AS x(external_id), LATERAL "
    '(SELECT 1 FROM "case" c WHERE c.creditor_id = :creditor_id AND c.external_id = x.external_id LIMIT 1) AS hit'
)


def _existing(session: Session, creditor_id: int, external_ids: list[str]) -> set[str]:
    """Which of these external ids the creditor already has cases for."""
    if session.get_bind().dialect.name == "postgresql":
        params = {"external_ids": external_ids, "creditor_id": creditor_id}
        return set(session.scalars(_EXISTING_POSTGRESQL, params))
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


def _write_debtors(session: Session, creditor_id: int, ready: list[_Prepared], now) -> list[SimpleNamespace]:
    """Insert one debtor per case; return them in the same order."""
    rows = []
    for item in ready:
        d = item.new.debtor
        rows.append((public_id("deb"), creditor_id, d.kind, d.name, d.company_cvr, item.email, item.phone, d.street,
                     d.postcode, d.city, d.customer_number, d.locale, now))  # fmt: skip
    ids = insert_rows(session, Debtor, DEBTOR_COLUMNS, rows, ids=True)
    return [
        SimpleNamespace(id=i, **dict(zip(DEBTOR_COLUMNS, row, strict=True))) for row, i in zip(rows, ids, strict=True)
    ]


def _write_cases(
    session: Session, creditor_id: int, ready: list[_Prepared], debtors: list[SimpleNamespace], now
) -> None:
    """Insert the case rows themselves (open, owing their total, link version 1) and make each case's record."""
    rows = []
    for item, debtor in zip(ready, debtors, strict=True):
        new, debtor_id = item.new, debtor.id
        item.record = SimpleNamespace(
            public_id=public_id("cas"), creditor_id=creditor_id, debtor_id=debtor_id, debtor=debtor,
            external_id=new.external_id, status="open", currency=new.currency, outstanding=item.total,
            policy=new.policy, link_id=new_link_id(), link_version=1, created_at=now, closed_at=None,
            invoices=new.invoices, fees=new.fees,
        )  # fmt: skip
        r = item.record
        rows.append((r.public_id, creditor_id, debtor_id, r.external_id, "open", r.currency, r.outstanding, r.policy,
                     r.link_id, 1, 0, 0, 1, now, now, None))  # fmt: skip
    for item, new_id in zip(ready, insert_rows(session, Case, CASE_COLUMNS, rows, ids=True), strict=True):
        item.record.id = new_id


def _write_claims(session: Session, ready: list[_Prepared]) -> None:
    """Insert the invoices, their lines and the fees (the record shows the invoices and fees as sent)."""
    invoices, fees = [], []
    for item in ready:
        case_id = item.record.id
        invoices.extend((case_id, i.number, i.issued_on, i.due_on, i.amount) for i in item.new.invoices)
        fees.extend((case_id, f.kind, f.amount, f.description) for f in item.new.fees)
    sent = [invoice for item in ready for invoice in item.new.invoices]
    invoice_ids = insert_rows(session, Invoice, INVOICE_COLUMNS, invoices, ids=True)
    lines = [
        (invoice_id, n, line.description, line.amount)
        for invoice, invoice_id in zip(sent, invoice_ids, strict=True)
        for n, line in enumerate(invoice.lines)
    ]
    insert_rows(session, InvoiceLine, LINE_COLUMNS, lines, ids=False)
    insert_rows(session, Fee, FEE_COLUMNS, fees, ids=False)


def _write_events(session: Session, ready: list[_Prepared], actor: str, now) -> None:
    """Record case.created on each timeline and queue the creditor webhook for it."""
    events, messages, created_at = [], [], now.isoformat()
    for item in ready:
        case = item.record
        event_id = public_id("evt")
        data = {"outstanding": case.outstanding, "currency": case.currency}
        events.append((event_id, case.creditor_id, case.id, "case.created", actor, data, now))
        payload = {"id": event_id, "type": "case.created", "created_at": created_at,
                   "data": {"case": outbox.case_summary(case)}}  # fmt: skip
        messages.append((event_id, outbox.WEBHOOK, case.creditor_id, case.id, "case.created", payload, "pending", 0,
                         now, now))  # fmt: skip
    insert_rows(session, Event, EVENT_COLUMNS, events, ids=False)
    insert_rows(session, OutboxMessage, OUTBOX_COLUMNS, messages, ids=False)


def create_cases(
    session: Session, creditor_id: int, cases: Sequence[NewCase], *, actor: str = "api"
) -> list[SimpleNamespace | Rejected]:
    """Create every valid case (in the caller's transaction); return, in input order, a record or a Rejected."""
    ready, rejected = _check_all(session, creditor_id, cases)
    now = utcnow()
    for start in range(0, len(ready), CHUNK):
        chunk = ready[start : start + CHUNK]
        _write_cases(session, creditor_id, chunk, _write_debtors(session, creditor_id, chunk, now), now)
        _write_claims(session, chunk)
        _write_events(session, chunk, actor, now)
    results: list[SimpleNamespace | Rejected | None] = [None] * len(cases)
    for item in ready:
        results[item.index] = item.record
    for item in rejected:
        results[item.index] = item
    return results  # type: ignore[return-value]
