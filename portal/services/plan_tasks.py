"""The worker's payment-plan task: default approved plans whose next instalment is late beyond its grace days."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.i18n import COPENHAGEN
from portal.services import plans

if TYPE_CHECKING:
    from portal.services.worker import Worker


def default_late_plans(worker: Worker) -> int:
    """Default the plans whose grace ended before today (Copenhagen, by the worker's clock); return how many."""
    today = worker.clock().astimezone(COPENHAGEN).date()
    with worker.sessions() as session:
        defaulted = plans.default_late(session, today=today, limit=worker.batch_size)
        session.commit()
    return defaulted
