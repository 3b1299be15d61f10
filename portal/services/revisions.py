"""Revision counters: any flushed change to what a debtor sees bumps the case's (or creditor's) revision.

Rendered pages and documents are cached under these revisions, so a cached rendering is reused
exactly while nothing it shows has changed, in every process, without anyone remembering to clear it.
Only ORM flushes are seen: code that changes shown data with a Core or bulk UPDATE/INSERT/DELETE must
add `revision = revision + 1` to the affected cases itself.
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from portal.models import Case, Creditor, Debtor, Fee, Invoice, InvoiceLine, Payment

# Case columns that only record telemetry; changing them does not change what is shown.
_UNSHOWN_CASE_COLUMNS = {"link_fetched_version", "link_engaged_version", "updated_at", "revision"}


def _changed_columns(obj) -> set[str]:
    """Names of the column attributes of obj with pending changes."""
    return {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}


def _affected(session: Session) -> tuple[set[int], set[int], set[int], set[int]]:
    """Case, creditor, debtor and invoice ids whose shown state this flush changes."""
    cases, creditors, debtors, invoices = set(), set(), set(), set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, (Invoice, Fee, Payment)):
            cases.add(obj.case_id)
        elif isinstance(obj, InvoiceLine):
            invoices.add(obj.invoice_id)
        elif isinstance(obj, Case) and obj not in session.new:
            if _changed_columns(obj) - _UNSHOWN_CASE_COLUMNS:
                cases.add(obj.id)
        elif isinstance(obj, Creditor) and obj not in session.new:
            if _changed_columns(obj) - {"revision"}:
                creditors.add(obj.id)
        elif isinstance(obj, Debtor) and obj not in session.new:
            debtors.add(obj.id)
    return cases, creditors, debtors, invoices


def bump_revisions(session: Session, _flush_context, _instances) -> None:
    """Before a flush: collect what changes, and bump the revisions in the same flush."""
    cases, creditors, debtors, invoices = _affected(session)
    cases.discard(None)
    if invoices:
        cases |= set(session.scalars(select(Invoice.case_id).where(Invoice.id.in_(invoices))))
    if debtors:
        cases |= set(session.scalars(select(Case.id).where(Case.debtor_id.in_(debtors))))
    if cases:
        session.execute(update(Case).where(Case.id.in_(cases)).values(revision=Case.revision + 1))
    if creditors:
        session.execute(update(Creditor).where(Creditor.id.in_(creditors)).values(revision=Creditor.revision + 1))


def install() -> None:
    """Listen on every session (idempotent)."""
    if not event.contains(Session, "before_flush", bump_revisions):
        event.listen(Session, "before_flush", bump_revisions)
