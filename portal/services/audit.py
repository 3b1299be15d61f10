"""The staff audit trail: one row for every staff view of a case and every staff action, never changed."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Case, Debtor, StaffAudit, StaffUser, utcnow

CSV_COLUMNS = ("time_utc", "staff", "action", "case", "ip")


def record(
    session: Session,
    staff: StaffUser,
    action: str,
    *,
    case: Case | None = None,
    ip: str | None = None,
    data: dict[str, Any] | None = None,
) -> StaffAudit:
    """Append an audit row (in the caller's transaction)."""
    row = StaffAudit(
        staff_user_id=staff.id,
        staff_email=staff.email,
        action=action,
        creditor_id=case.creditor_id if case else staff.creditor_id,
        case_id=case.id if case else None,
        debtor_id=case.debtor_id if case else None,
        ip=ip,
        data=data or {},
        created_at=utcnow(),
    )
    session.add(row)
    return row


def recent(session: Session, *, creditor_id: int | None, limit: int = 200) -> Sequence[tuple[StaffAudit, str | None]]:
    """The newest audit rows with their case's public id, for one creditor or (None) all of them."""
    statement = (
        select(StaffAudit, Case.public_id)
        .outerjoin(Case, Case.id == StaffAudit.case_id)
        .order_by(StaffAudit.id.desc())
        .limit(limit)
    )
    if creditor_id is not None:
        statement = statement.where(StaffAudit.creditor_id == creditor_id)
    return session.execute(statement).tuples().all()


def for_debtor_csv(session: Session, debtor: Debtor) -> str:
    """Every audit row about one debtor as CSV: who looked at or changed their data, and when."""
    rows = session.execute(
        select(StaffAudit, Case.public_id)
        .outerjoin(Case, Case.id == StaffAudit.case_id)
        .where(StaffAudit.debtor_id == debtor.id)
        .order_by(StaffAudit.id)
    ).tuples()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row, case_public_id in rows:
        writer.writerow((row.created_at.isoformat(), row.staff_email, row.action, case_public_id or "", row.ip or ""))
    return buffer.getvalue()
