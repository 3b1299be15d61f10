"""Whether reminder nudges may go to a case now: one gate that the debtor's answers, staff and flows share.

A debtor's answer pauses the case's nudges with a reason: a plan or a dispute until it is decided
(no end), a promise until its date plus grace, "already paid" for a few bank days, staff until they
resume. The reminder flows ask `blocked_reason` before each step; the code that ends a pause (a
broken promise, a rejected dispute, a defaulted plan, staff) calls `resume`.
"""

from __future__ import annotations

from datetime import datetime

from portal.models import Case
from portal.models.case import CLOSED_STATUSES

PAUSE_REASONS = ("plan", "dispute", "promise", "already_paid", "staff")


def pause(case: Case, *, reason: str, until: datetime | None = None) -> None:
    """Pause the case's nudges for a reason, until a time (None: until resumed)."""
    if reason not in PAUSE_REASONS:
        raise ValueError(f"unknown pause reason {reason!r}")
    case.nudges_paused_reason = reason
    case.nudges_paused_until = until


def resume(case: Case, *, reason: str | None = None) -> bool:
    """End the pause (only one with this reason, when given); return whether a pause ended."""
    if case.nudges_paused_reason is None or (reason is not None and case.nudges_paused_reason != reason):
        return False
    case.nudges_paused_reason = None
    case.nudges_paused_until = None
    return True


def blocked_reason(case: Case, now: datetime) -> str | None:
    """Why no nudge may go to the case at `now` ("paid", "cancelled", a pause reason …), or None."""
    if case.status in CLOSED_STATUSES:
        return case.status
    if case.nudges_paused_reason is None:
        return None
    until = case.nudges_paused_until
    return case.nudges_paused_reason if until is None or until > now else None
