"""The debtor's read model of a case: plain records loaded with four Core queries (one on a cache hit).

The case page is the hottest page of the portal, so it reads rows, not ORM objects: one query for
the case with its creditor and debtor (enough to check the link and find a cached rendering), and
three more for invoices with their lines, fees and payments when the page must be rendered.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from sqlalchemy import Column, bindparam, select
from sqlalchemy.orm import Session

from portal.models import Case, Creditor, Debtor, Fee, Invoice, InvoiceLine, Payment
from portal.services.errors import LinkRevoked, NotFound

Record = SimpleNamespace


def _columns(model, *, without: tuple[str, ...] = ()) -> list[Column]:
    """Every column of a model's table, labelled '<table>__<column>'."""
    table = model.__table__
    return [c.label(f"{table.name}__{c.name}") for c in table.columns if c.name not in without]


# Plain table columns (not ORM attributes) keep these statements on SQLAlchemy's lean Core path.
_case, _creditor, _debtor = Case.__table__, Creditor.__table__, Debtor.__table__
_invoice, _line = Invoice.__table__, InvoiceLine.__table__
_PARTIES = (
    select(*_columns(Case), *_columns(Creditor, without=("logo",)), *_columns(Debtor))
    .join_from(_case, _creditor, _creditor.c.id == _case.c.creditor_id)
    .join(_debtor, _debtor.c.id == _case.c.debtor_id)
)
_BY_PUBLIC_ID = _PARTIES.where(_case.c.public_id == bindparam("public_id"))
_BY_LINK_ID = _PARTIES.where(_case.c.link_id == bindparam("link_id"))
_INVOICE_LINES = (
    select(*_columns(Invoice), _line.c.description.label("line__description"), _line.c.amount.label("line__amount"))
    .outerjoin(_line, _line.c.invoice_id == _invoice.c.id)
    .where(_invoice.c.case_id == bindparam("case_id"))
    .order_by(_invoice.c.due_on, _invoice.c.id, _line.c.position, _line.c.id)
)
_FEES = select(Fee).where(Fee.case_id == bindparam("case_id")).order_by(Fee.id)
_PAYMENTS = select(Payment).where(Payment.case_id == bindparam("case_id")).order_by(Payment.paid_at, Payment.id)


def _layout(statement) -> dict[str, list[tuple[int, str]]]:
    """For each table prefix, the positions and names of its columns in the statement's rows."""
    layout: dict[str, list[tuple[int, str]]] = {}
    for index, column in enumerate(statement.selected_columns):
        prefix, _, name = column.key.partition("__")
        layout.setdefault(prefix, []).append((index, name))
    return layout


def _split(row, layout: dict[str, list[tuple[int, str]]], *prefixes: str) -> list[Record]:
    """Split a labelled row into one record per table prefix."""
    return [Record(**{name: row[index] for index, name in layout[prefix]}) for prefix in prefixes]


_PARTIES_LAYOUT = _layout(_PARTIES)
_INVOICE_LINES_LAYOUT = _layout(_INVOICE_LINES)


def _case_record(row) -> Record:
    """The case record, with .creditor and .debtor attached."""
    case, creditor, debtor = _split(row, _PARTIES_LAYOUT, "case", "creditor", "debtor")
    case.creditor, case.debtor = creditor, debtor
    return case


def find_by_link_id(session: Session, link_id: str) -> Record | None:
    """The case a link id belongs to, with creditor and debtor, or None."""
    row = session.execute(_BY_LINK_ID, {"link_id": link_id}).one_or_none()
    return None if row is None else _case_record(row)


def load_case(session: Session, case_public_id: str, *, link_version: int | None = None) -> Record:
    """The case with creditor and debtor (one query); NotFound, or LinkRevoked for a stale session link."""
    row = session.execute(_BY_PUBLIC_ID, {"public_id": case_public_id}).one_or_none()
    if row is None:
        raise NotFound()
    case = _case_record(row)
    if link_version is not None and link_version != case.link_version:
        raise LinkRevoked(case=case)
    return case


@dataclass(frozen=True)
class CaseView:
    """A case with its creditor, debtor, invoices (with lines), fees and payments."""

    case: Record
    invoices: list[Record] = field(default_factory=list)
    fees: list = field(default_factory=list)
    payments: list = field(default_factory=list)

    @property
    def creditor(self) -> Record:
        """The creditor the case belongs to."""
        return self.case.creditor

    @property
    def debtor(self) -> Record:
        """The debtor the case is about."""
        return self.case.debtor

    @property
    def earliest_due(self) -> date | None:
        """The earliest due date among the invoices."""
        return min((i.due_on for i in self.invoices), default=None)

    def state_key(self, *, locale: str, template_version: str, as_of: date) -> str:
        """A digest of everything a rendering shows; a cached document is reused exactly while it is valid."""
        state = {
            "case": [self.case.id, self.case.revision, self.creditor.revision],
            "locale": locale,
            "template": template_version,
            "as_of": as_of.isoformat(),
        }
        return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


def _invoices(rows) -> list[Record]:
    """Group invoice-with-line rows into invoice records with .lines."""
    invoices: dict[int, Record] = {}
    for row in rows:
        invoice = invoices.get(row.invoice__id)
        if invoice is None:
            (invoice,) = _split(row, _INVOICE_LINES_LAYOUT, "invoice")
            invoice.lines = []
            invoices[invoice.id] = invoice
        if row.line__description is not None:
            invoice.lines.append(Record(description=row.line__description, amount=row.line__amount))
    return list(invoices.values())


def load_details(session: Session, case: Record) -> CaseView:
    """Add invoices with lines, fees and payments to a loaded case (three queries)."""
    by_case = {"case_id": case.id}
    return CaseView(
        case=case,
        invoices=_invoices(session.execute(_INVOICE_LINES, by_case)),
        fees=list(session.scalars(_FEES, by_case)),
        payments=list(session.scalars(_PAYMENTS, by_case)),
    )


def load_case_view(session: Session, case_public_id: str, *, link_version: int | None = None) -> CaseView:
    """Everything the case page and the PDF show, in four queries."""
    return load_details(session, load_case(session, case_public_id, link_version=link_version))
