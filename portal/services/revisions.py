"""Revision counters: any flushed change to what a debtor sees bumps the case's (or creditor's) revision.

Rendered pages and documents are cached under these revisions, so a cached rendering is reused
exactly while nothing it shows has changed, in every process, without anyone remembering to clear it.
Only ORM flushes are seen: code that changes shown data with a Core or bulk UPDATE/INSERT/DELETE must
add `revision = revision + 1` to the affected cases itself.

After each commit, `session.info[COMMITTED]` maps each case public id the session's commits changed
to its new revision (and holds `CREDITORS` if a creditor changed), and `on_commit` hooks hear of it,
so caches drop what went stale.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain

from sqlalchemy import event, inspect, select, update
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

COMMITTED = "committed_revisions"  # session.info key: {case public id: new revision} of its commits
CREDITORS = "*creditors"  # in COMMITTED: some creditor changed (a key no public id can equal)
_PENDING = "pending_revisions"
_commit_hooks: list[Callable[[dict[str, int]], None]] = []
# Case columns that only record telemetry; changing them does not change what is shown.
_UNSHOWN_CASE_COLUMNS = {
    "link_fetched_version",
    "link_engaged_version",
    "updated_at",
    "revision",
    "nudges_paused_reason",
    "nudges_paused_until",
}


def _changed_columns(obj) -> set[str]:
    """Names of the column attributes of obj with pending changes."""
    return {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}


def _affected(session: Session) -> tuple[set[int], set[int], set[int], set[int]]:
    """Case, creditor, debtor and invoice ids whose shown state this flush changes."""
    cases, creditors, debtors, invoices = set(), set(), set(), set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, (Invoice, Fee, Payment, PaymentPlan, Dispute, Promise, PaidReport, CallbackRequest)):
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
    pending = session.info.setdefault(_PENDING, {})
    if cases:
        bumped = update(Case).where(Case.id.in_(cases)).values(revision=Case.revision + 1)
        pending.update(session.execute(bumped.returning(Case.public_id, Case.revision)).tuples().all())
    if creditors:
        session.execute(update(Creditor).where(Creditor.id.in_(creditors)).values(revision=Creditor.revision + 1))
        pending[CREDITORS] = 1


def _committed(session: Session) -> None:
    """After a commit: add what it changed to session.info[COMMITTED] and tell the hooks."""
    changed = session.info.pop(_PENDING, None)
    if changed:
        session.info.setdefault(COMMITTED, {}).update(changed)
        for hook in _commit_hooks:
            hook(changed)


def on_commit(hook: Callable[[dict[str, int]], None]) -> None:
    """Call hook({case public id: new revision, maybe CREDITORS: 1}) after each commit that changed any."""
    if hook not in _commit_hooks:
        _commit_hooks.append(hook)


def _rolled_back(session: Session, _previous_transaction=None) -> None:
    """After a rollback nothing pending happened."""
    session.info.pop(_PENDING, None)


_LISTENERS = (("before_flush", bump_revisions), ("after_commit", _committed), ("after_soft_rollback", _rolled_back))


def install() -> None:
    """Listen on every session (idempotent)."""
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
