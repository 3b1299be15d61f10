"""Disputes (indsigelser): the debtor contests the claim with a reason, text and evidence; the case is on
hold until the creditor (or, later, staff) resolves it with one service function, `resolve`.

Outcomes: `rejected` — the claim stands and reminders resume; `adjusted` — the creditor changed the
amount (through the adjustments API, before resolving) and reminders resume for what is now owed;
`accepted` — the debtor is right: reminders stay paused and the creditor cancels or adjusts the case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Case, Dispute, DisputeFile, utcnow
from portal.models.answer import DISPUTE_OUTCOMES, DISPUTE_REASONS, DISPUTE_TEXT_MAX
from portal.services import answers, events, nudges, outbox
from portal.services.errors import DomainError, InvalidInput, NotFound
from portal.services.evidence import Evidence, FileStore

RESUMING_OUTCOMES = ("rejected", "adjusted")


class DisputeAlreadyOpen(DomainError):
    """The case already has a dispute waiting for the creditor."""

    reason = _l("Your objection has already been sent and is being looked at.")


class NoOpenDispute(DomainError):
    """There is no open dispute to resolve."""

    reason = _l("The case has no open dispute.")


def open_dispute(
    session: Session, case: Case, *, reason: str, text: str, files: list[Evidence], store: FileStore, now: datetime
) -> Dispute:
    """Record a dispute with its (already checked) files, put the case on hold and tell the creditor."""
    if reason not in DISPUTE_REASONS:
        raise InvalidInput(field="reason", message=_l("Choose why you disagree."))
    text = (text or "").strip()
    if len(text) > DISPUTE_TEXT_MAX:
        raise InvalidInput(field="text", message=_l("Write at most %(count)s characters.", count=DISPUTE_TEXT_MAX))
    if reason == "other" and not text:
        raise InvalidInput(field="text", message=_l("Tell us briefly why you disagree."))
    case = answers.open_locked(session, case)
    if session.scalar(select(Dispute.id).where(Dispute.case_id == case.id, Dispute.status == "open")):
        raise DisputeAlreadyOpen()
    dispute = Dispute(case_id=case.id, reason=reason, text=text, status="open", created_at=now)
    session.add(dispute)
    session.flush()
    for item in files:
        stored = store.save(item.data)
        session.add(DisputeFile(
            dispute_id=dispute.id, case_id=case.id, stored_name=stored, filename=item.filename,
            content_type=item.content_type, size=len(item.data), sha256=item.sha256, created_at=now,
        ))  # fmt: skip
    session.flush()
    answers.hold(case, reason="dispute", until=None, now=now)
    data = summary(dispute, files_of(session, dispute))
    event_data = {"id": dispute.public_id, "reason": reason, "files": len(files)}
    answers.tell_creditor(session, case, "dispute.opened", event_data=event_data, webhook_data={"dispute": data})
    return dispute


def resolve(
    session: Session, case: Case, *, outcome: str, message: str, actor: str, now: datetime | None = None
) -> Dispute:
    """Resolve the case's open dispute (creditor API or staff); the debtor sees the outcome and message."""
    now = now or utcnow()
    if outcome not in DISPUTE_OUTCOMES:
        raise InvalidInput(field="outcome", message=_l("Choose accepted, rejected or adjusted."))
    case = answers.open_locked(session, case) if case.status == "open" else case
    dispute = session.scalars(select(Dispute).where(Dispute.case_id == case.id, Dispute.status == "open")).first()
    if dispute is None:
        raise NoOpenDispute()
    dispute.status, dispute.outcome, dispute.resolution_message = "resolved", outcome, message.strip()
    dispute.resolved_by, dispute.resolved_at = actor, now
    if outcome in RESUMING_OUTCOMES:
        nudges.resume(case, reason="dispute")
    event = events.record(session, case, "dispute.resolved", actor=actor,
                          data={"id": dispute.public_id, "outcome": outcome})  # fmt: skip
    outbox.enqueue(session, case, event, {"dispute": summary(dispute, files_of(session, dispute))})
    return dispute


def files_of(session: Session, dispute: Dispute) -> list[DisputeFile]:
    """A dispute's evidence files, in the order sent."""
    return list(
        session.scalars(select(DisputeFile).where(DisputeFile.dispute_id == dispute.id).order_by(DisputeFile.id))
    )


def files_of_case(session: Session, case: Case) -> list[DisputeFile]:
    """Every evidence file of the case's disputes, oldest first."""
    return list(session.scalars(select(DisputeFile).where(DisputeFile.case_id == case.id).order_by(DisputeFile.id)))


def file_of_case(session: Session, case: Case, file_public_id: str) -> DisputeFile:
    """An evidence file of one of the case's disputes; NotFound for any other."""
    found = session.scalars(
        select(DisputeFile).where(DisputeFile.public_id == file_public_id, DisputeFile.case_id == case.id)
    ).one_or_none()
    if found is None:
        raise NotFound()
    return found


def summary(dispute: Dispute, files: list[DisputeFile]) -> dict[str, Any]:
    """A dispute as the creditor sees it (webhooks and the API)."""
    return {
        "id": dispute.public_id,
        "status": dispute.status,
        "reason": dispute.reason,
        "text": dispute.text,
        "outcome": dispute.outcome,
        "message": dispute.resolution_message,
        "opened_at": dispute.created_at.isoformat(),
        "resolved_at": dispute.resolved_at.isoformat() if dispute.resolved_at else None,
        "files": [
            {"id": f.public_id, "filename": f.filename, "content_type": f.content_type, "size": f.size,
             "sha256": f.sha256}
            for f in files
        ],
    }  # fmt: skip
