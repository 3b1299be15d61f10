"""The worker's promise task: settle promises whose date plus grace has passed (by the worker's clock)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.services import promises

if TYPE_CHECKING:
    from portal.services.worker import Worker


def settle_due_promises(worker: Worker) -> int:
    """Mark due promises kept or broken (broken: promise.broken to the creditor, nudges resume); return how many."""
    with worker.sessions() as session:
        settled = promises.settle_due(session, now=worker.clock(), limit=worker.batch_size)
        session.commit()
    return settled
