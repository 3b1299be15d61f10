"""The creditor's read side of the debtor's answers: the newest dispute (with files), promise, "already
paid" report and call-back request of a case, and whether its nudges are paused."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portal.models import CallbackRequest, Case, Dispute, PaidReport, Promise
from portal.services import answers, disputes, promises


def _time(value) -> str | None:
    """An aware datetime as ISO 8601, or None."""
    return value.isoformat() if value is not None else None


def nudges(case) -> dict[str, Any]:
    """Why and until when the case's reminder nudges are paused (both None when they are not)."""
    # A case just created in bulk is a plain record without the pause columns: it is not paused.
    reason, until = getattr(case, "nudges_paused_reason", None), getattr(case, "nudges_paused_until", None)
    return {"paused_reason": reason, "paused_until": _time(until)}


def empty(case) -> dict[str, Any]:
    """The answer state of a case nobody has answered yet (a new case)."""
    return {"dispute": None, "promise": None, "already_paid": None, "callback": None, "nudges": nudges(case)}


def state(session: Session, case: Case) -> dict[str, Any]:
    """The newest answer of each kind, as the API and webhooks show them (None where there is none)."""
    dispute = answers.latest(session, Dispute, case.id)
    promise = answers.latest(session, Promise, case.id)
    report = answers.latest(session, PaidReport, case.id)
    callback = answers.latest(session, CallbackRequest, case.id)
    return {
        "dispute": disputes.summary(dispute, disputes.files_of(session, dispute)) if dispute else None,
        "promise": promises.summary(promise) if promise else None,
        "already_paid": answers.paid_summary(report) if report else None,
        "callback": {"id": callback.public_id, "phone": callback.phone, "window": callback.window,
                     "requested_at": _time(callback.created_at)} if callback else None,
        "nudges": nudges(case),
    }  # fmt: skip
