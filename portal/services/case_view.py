"""The debtor's read model of a case: plain records loaded with four Core queries (one on a cache hit).

The case page is the hottest page of the portal, so it reads rows, not ORM objects (from a session or,
on the case page, straight from a read-only connection). One narrow query, the stamp, says whether the
session's link still opens the case and which revision to show. Rendering needs three more: the case
with creditor, debtor, invoices, lines, its newest payment plan and the debtor's newest answers in
one joined query (each of those is one row per case, so it adds columns, not rows), then fees, then
payments.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from sqlalchemy import Column, Connection, bindparam, func, select
from sqlalchemy.orm import Session

from portal.models import (
    CallbackRequest,
    Case,
    Creditor,
    Debtor,
    Dispute,
    Fee,
    Invoice,
    InvoiceLine,
    PaidReport,
    Payment,
    PaymentPlan,
    Promise,
)
from portal.services.errors import LinkRevoked, NotFound
from portal.services.plan_schedule import InstallmentState, installments

Record = SimpleNamespace


def _columns(model, *, without: tuple[str, ...] = ()) -> list[Column]:
    """Every column of a model's table, labelled '<table>__<column>'."""
    table = model.__table__
    return [c.label(f"{table.name}__{c.name}") for c in table.columns if c.name not in without]


# What the stamp reads: only the link and revision state (the driver does work per column and row).
_STAMP_CASE_COLUMNS = ("id", "revision", "link_version", "status", "closed_at", "creditor_id")
_STAMP_CREDITOR_COLUMNS = ("revision",)
# Plain table columns (not ORM attributes) keep these statements on SQLAlchemy's lean Core path.
_case, _creditor, _debtor = Case.__table__, Creditor.__table__, Debtor.__table__
_invoice, _line = Invoice.__table__, InvoiceLine.__table__
_PARTIES = (
    select(*_columns(Case), *_columns(Creditor, without=("logo",)), *_columns(Debtor))
    .join_from(_case, _creditor, _creditor.c.id == _case.c.creditor_id)
    .join(_debtor, _debtor.c.id == _case.c.debtor_id)
)
_BY_LINK_ID = _PARTIES.where(_case.c.link_id == bindparam("link_id"))
_CREDITOR = select(*_columns(Creditor, without=("logo",))).where(_creditor.c.id == bindparam("creditor_id"))
_STAMP = (
    select(
        *(_case.c[name].label(f"case__{name}") for name in _STAMP_CASE_COLUMNS),
        *(_creditor.c[name].label(f"creditor__{name}") for name in _STAMP_CREDITOR_COLUMNS),
    )
    .join_from(_case, _creditor, _creditor.c.id == _case.c.creditor_id)
    .where(_case.c.public_id == bindparam("public_id"))
)
# The debtor's newest answer of each kind (one row per case each, so they add columns, not rows).
ANSWERS = {"dispute": Dispute, "promise": Promise, "paid_report": PaidReport, "callback_request": CallbackRequest}


def _newest(model):
    """The table and a join condition picking the case's newest row of it."""
    table, other = model.__table__, model.__table__.alias(f"other_{model.__tablename__}")
    newest = select(func.max(other.c.id)).where(other.c.case_id == _case.c.id).scalar_subquery()
    return table, table.c.id == newest


_FULL = _PARTIES.add_columns(*_columns(Invoice), *_columns(InvoiceLine), *_columns(PaymentPlan))
for _model in ANSWERS.values():
    # Not the dispute's text nor the number to call: the page reached by a link shows no more than it must.
    _FULL = _FULL.add_columns(*_columns(_model, without=("text", "phone"))).outerjoin(*_newest(_model))
_FULL = (
    _FULL.outerjoin(_invoice, _invoice.c.case_id == _case.c.id)
    .outerjoin(_line, _line.c.invoice_id == _invoice.c.id)
    .outerjoin(*_newest(PaymentPlan))
    .where(_case.c.id == bindparam("case_id"))
    .order_by(_invoice.c.due_on, _invoice.c.id, _line.c.position, _line.c.id)
)
_fee, _payment = Fee.__table__, Payment.__table__
_FEES = select(_fee).where(_fee.c.case_id == bindparam("case_id")).order_by(_fee.c.id)
_PAYMENTS = (
    select(_payment).where(_payment.c.case_id == bindparam("case_id")).order_by(_payment.c.paid_at, _payment.c.id)
)


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
_STAMP_LAYOUT = _layout(_STAMP)
_CREDITOR_LAYOUT = _layout(_CREDITOR)
_FULL_LAYOUT = _layout(_FULL)


def _case_record(row, layout: dict[str, list[tuple[int, str]]] = _PARTIES_LAYOUT) -> Record:
    """The case record, with .creditor and .debtor attached."""
    case, creditor, debtor = _split(row, layout, "case", "creditor", "debtor")
    case.creditor, case.debtor = creditor, debtor
    return case


def find_by_link_id(session: Session | Connection, link_id: str) -> Record | None:
    """The case a link id belongs to, with creditor and debtor, or None."""
    row = session.execute(_BY_LINK_ID, {"link_id": link_id}).one_or_none()
    return None if row is None else _case_record(row)


def find_creditor(session: Session | Connection, creditor_id: int) -> Record | None:
    """A creditor's details (without the logo bytes), e.g. for a page that explains a broken link."""
    row = session.execute(_CREDITOR, {"creditor_id": creditor_id}).one_or_none()
    return None if row is None else _split(row, _CREDITOR_LAYOUT, "creditor")[0]


def load_case(session: Session | Connection, case_public_id: str, *, link_version: int | None = None) -> Record:
    """The case's stamp (one narrow query); NotFound, or LinkRevoked for a stale session link."""
    row = session.execute(_STAMP, {"public_id": case_public_id}).one_or_none()
    if row is None:
        raise NotFound()
    case, case.creditor = _split(row, _STAMP_LAYOUT, "case", "creditor")
    check_link_version(case, link_version)
    return case


def check_link_version(case: Record, link_version: int | None) -> None:
    """LinkRevoked when a session's link version is no longer the case's."""
    if link_version is not None and link_version != case.link_version:
        raise LinkRevoked(case=case)


@dataclass(frozen=True)
class CaseView:
    """A case with its creditor, debtor, invoices (with lines), fees, payments, newest plan and answers."""

    case: Record
    invoices: list[Record] = field(default_factory=list)
    fees: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    plan: Record | None = None

    @property
    def plan_installments(self) -> list[InstallmentState]:
        """The plan's instalments with what has been paid of each (none without a plan)."""
        return installments(self.plan.schedule, self.plan.paid) if self.plan is not None else []

    @property
    def next_installment(self) -> InstallmentState | None:
        """The approved plan's first instalment not paid in full."""
        if self.plan is None or self.plan.status != "approved":
            return None
        return next((i for i in self.plan_installments if not i.settled), None)

    answers: dict[str, Record | None] = field(default_factory=dict)  # the newest dispute, promise, … or None

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


def _invoices(rows: list) -> list[Record]:
    """Group the joined rows (one per invoice line) into invoice records with .lines."""
    invoices: dict[int, Record] = {}
    for row in rows:
        invoice_id = row.invoice__id
        if invoice_id is None:
            continue  # a case without invoices: its one row has no invoice
        invoice = invoices.get(invoice_id)
        if invoice is None:
            (invoice,) = _split(row, _FULL_LAYOUT, "invoice")
            invoice.lines = []
            invoices[invoice_id] = invoice
        if row.invoice_line__id is not None:
            invoice.lines.append(Record(description=row.invoice_line__description, amount=row.invoice_line__amount))
    return list(invoices.values())


def load_details(session: Session | Connection, case: Record) -> CaseView:
    """Everything the page shows, for a case whose stamp was read (three queries)."""
    by_case = {"case_id": case.id}
    rows = session.execute(_FULL, by_case).all()
    if not rows:
        raise NotFound()
    (plan,) = _split(rows[0], _FULL_LAYOUT, "payment_plan")
    return CaseView(
        case=_case_record(rows[0], _FULL_LAYOUT),
        plan=plan if plan.id is not None else None,
        invoices=_invoices(rows),
        fees=list(session.execute(_FEES, by_case)),
        payments=list(session.execute(_PAYMENTS, by_case)),
        answers=_answers(rows[0]),
    )


def _answers(row) -> dict[str, Record | None]:
    """The newest answer of each kind from the first joined row (None where the case has none)."""
    found = dict(zip(ANSWERS, _split(row, _FULL_LAYOUT, *ANSWERS), strict=True))
    return {name: record if record.id is not None else None for name, record in found.items()}


def load_case_view(session: Session | Connection, case_public_id: str, *, link_version: int | None = None) -> CaseView:
    """Everything the case page and the PDF show, in four queries."""
    return load_details(session, load_case(session, case_public_id, link_version=link_version))
