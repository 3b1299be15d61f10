"""Which wording works better: the variant results per step, template and variant."""

from __future__ import annotations

from portal.models import Case
from portal.services import events, flows, message_stats
from tests.conftest import make_creditor
from tests.flow_helpers import FakeProviders, at, deliver, flow_case, tick


def test_variant_results_count_sent_engaged_and_paid_per_wording(app, db):
    creditor = make_creditor(db)
    cases = [flow_case(db, creditor, external_id=f"R-{n}") for n in range(10)]
    tick(db, at(1, 9))
    deliver(app, at(1, 9), FakeProviders())
    by_variant = {c.id: flows.variant(c.public_id, flows.DEFAULT_STEPS[0])[0] for c in cases}
    opened = [c for c in cases if by_variant[c.id] == "a"][:2] + [c for c in cases if by_variant[c.id] == "b"][:1]
    for c in opened:
        events.record(db, db.get(Case, c.id), "link.engaged", actor="debtor").created_at = at(1, 12)
    db.get(Case, opened[0].id).status = "paid"
    db.commit()
    results = {r.variant: r for r in message_stats.variant_results(db, creditor.id)}
    counts = {v: sum(1 for x in by_variant.values() if x == v) for v in ("a", "b")}
    assert {v: r.sent for v, r in results.items()} == counts
    assert (results["a"].engaged, results["b"].engaged) == (2, 1)
    assert (results["a"].paid, results["b"].paid) == (1, 0)
    assert results["a"].template == "reminder_1" and results["b"].template == "reminder_1b"
    assert message_stats.variant_results(db, creditor.id, since=at(2, 0)) == []
