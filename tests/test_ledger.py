"""The ledger: money received changes a case once, never below zero, never backwards; excess is flagged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.models import Case, Event, OutboxMessage, Payment, PaymentAttempt, utcnow
from portal.services import ledger
from tests.conftest import make_case


def attempt_for(db, case, *, amount=123450, status="open") -> PaymentAttempt:
    attempt = PaymentAttempt(
        case_id=case.id,
        amount=amount,
        currency="DKK",
        method="card",
        locale="da",
        provider="stripe",
        status=status,
        expires_at=utcnow() + timedelta(minutes=35),
    )
    db.add(attempt)
    db.commit()
    return attempt


def pay(db, attempt, reference, amount=None) -> Payment:
    payment = ledger.record_payment(
        db, attempt, reference=reference, amount=amount or attempt.amount, currency="DKK", actor="stripe"
    )
    db.commit()
    return payment


def types(db, case) -> list[str]:
    return [e.type for e in db.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.id))]


def test_part_payments_lower_what_is_owed_until_the_case_is_paid(app, db):
    case = make_case(db)
    first = pay(db, attempt_for(db, case, amount=23450), "pi_1")
    assert (case.outstanding, case.status, first.balance_after, first.overpaid) == (100000, "open", 100000, 0)
    second = pay(db, attempt_for(db, case, amount=100000), "pi_2")
    db.refresh(case)
    assert (case.outstanding, case.status, second.balance_after) == (0, "paid", 0)
    assert case.closed_at is not None
    assert types(db, case).count("case.paid") == 1
    assert [m.type for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))] == [
        "payment.succeeded",
        "payment.succeeded",
        "case.paid",
    ]


def test_the_same_reference_is_counted_once(app, db):
    case = make_case(db)
    attempt = attempt_for(db, case)
    assert pay(db, attempt, "pi_1").id == pay(db, attempt, "pi_1").id
    assert len(db.scalars(select(Payment)).all()) == 1
    assert types(db, case).count("payment.succeeded") == 1


def test_more_than_owed_settles_the_case_and_flags_the_excess(app, db):
    case = make_case(db)
    payment = pay(db, attempt_for(db, case), "pi_1", amount=150000)
    db.refresh(case)
    assert (case.outstanding, case.status) == (0, "paid")
    assert (payment.amount, payment.overpaid, payment.balance_after) == (150000, 26550, 0)
    overpaid = db.scalars(select(Event).where(Event.type == "payment.overpaid")).one()
    assert overpaid.data["amount"] == 26550
    succeeded = db.scalars(select(OutboxMessage).where(OutboxMessage.type == "payment.succeeded")).one()
    assert succeeded.payload["data"]["payment"]["overpaid"] == 26550


def test_a_payment_for_a_settled_case_is_recorded_and_flagged_never_negative(app, db):
    case = make_case(db)
    replaced = attempt_for(db, case, status="cancelled")  # the debtor paid an old tab after all
    pay(db, attempt_for(db, case), "pi_new")
    late = pay(db, replaced, "pi_old")
    db.refresh(case)
    assert (case.outstanding, case.status) == (0, "paid")
    assert (late.amount, late.overpaid, late.balance_after) == (123450, 123450, 0)
    assert db.get(PaymentAttempt, replaced.id).status == "paid"
    assert types(db, case).count("case.paid") == 1 and "payment.overpaid" in types(db, case)


def test_a_payment_for_a_cancelled_case_is_kept_whole_as_overpaid(app, db):
    case = make_case(db)
    attempt = attempt_for(db, case)
    db.get(Case, case.id).status = "cancelled"
    db.commit()
    payment = pay(db, attempt, "pi_1")
    db.refresh(case)
    assert (case.status, case.outstanding) == ("cancelled", 123450)
    assert payment.overpaid == 123450 and "case.paid" not in types(db, case)


def test_attempts_only_move_forward(app, db):
    case = make_case(db)
    attempt = attempt_for(db, case)
    assert ledger.settle_attempt(db, attempt, "pending", actor="stripe")
    assert not ledger.settle_attempt(db, attempt, "pending", actor="stripe")
    pay(db, attempt, "pi_1")
    for late in ("failed", "expired", "cancelled", "pending"):
        assert not ledger.settle_attempt(db, attempt, late, actor="stripe")
    db.commit()
    assert db.get(PaymentAttempt, attempt.id).status == "paid"
