"""Reminder flows with controlled time: the default steps, every stop and resume rule, quiet hours, one a day,
idempotent restarts, skipped and missed steps, and the hand-over."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.models import CaseFlow, Creditor, Debtor, Event, Message, OutboxMessage
from portal.services import flow_runner, flows, message_tasks, messages, nudges
from tests.conftest import make_creditor
from tests.flow_helpers import QUIET, FakeProviders, at, deliver, events_of, flow_case, steps, tick


def test_nothing_goes_before_day_one_at_eight(db):
    case = flow_case(db)
    tick(db, at(0, 12))
    tick(db, at(1, 7, 59))
    assert steps(db, case) == []
    tick(db, at(1, 8))
    assert steps(db, case) == [("day1", "sms", "queued")]


def test_the_default_flow_sends_sms_email_sms_then_hands_over(app, db):
    case = flow_case(db)
    providers = FakeProviders()
    for day in (1, 4, 8, 12):
        tick(db, at(day, 9))
        deliver(app, at(day, 9, 1), providers)
    assert steps(db, case) == [("day1", "sms", "sent"), ("day4", "email", "sent"), ("day8", "sms", "sent"),
                               ("day12", "handover", "sent")]  # fmt: skip
    assert [s.to for s in providers.sms.sent] == ["+4522334455", "+4522334455"]
    assert [e.to for e in providers.email.sent] == ["mette@example.dk"]
    sent = events_of(db, case, "message.sent")
    assert [(e.data["channel"], e.data["step"]) for e in sent] == [("sms", "day1"), ("email", "day4"), ("sms", "day8")]
    assert all("+45" not in str(e.data) and "mette" not in str(e.data) for e in sent)
    [handover] = events_of(db, case, "case.handover")
    assert handover.data == {"step": "day12", "day": 12}
    webhook = db.scalars(select(OutboxMessage).where(OutboxMessage.type == "case.handover")).one()
    assert webhook.channel == "webhook" and webhook.payload["data"]["case"]["id"] == case.public_id
    assert db.scalars(select(CaseFlow.state).where(CaseFlow.case_id == case.id)).one() == "done"
    tick(db, at(20, 9))
    assert len(steps(db, case)) == 4


@pytest.mark.parametrize("status", ["paid", "cancelled", "closed"])
def test_a_closed_case_gets_nothing_and_its_flow_ends(db, status):
    case = flow_case(db)
    case.status = status
    db.commit()
    tick(db, at(1, 9))
    assert steps(db, case) == []
    assert db.scalars(select(CaseFlow.state).where(CaseFlow.case_id == case.id)).one_or_none() in (None, "done")


@pytest.mark.parametrize("reason", ["plan", "dispute", "promise", "already_paid", "staff"])
def test_a_paused_case_gets_nothing_until_resumed_then_only_the_latest_due_step(db, reason):
    case = flow_case(db)
    nudges.pause(case, reason=reason)
    db.commit()
    for day in (1, 4, 5):
        tick(db, at(day, 9))
    assert steps(db, case) == []
    nudges.resume(case, reason=reason)  # a broken promise, a rejected dispute, a defaulted plan, staff
    db.commit()
    tick(db, at(5, 10))  # the paused case is looked at again within the hour
    assert steps(db, case) == [("day1", "sms", "skipped"), ("day4", "email", "queued")]


def test_a_pause_with_an_end_resumes_by_itself(db):
    case = flow_case(db)
    nudges.pause(case, reason="promise", until=at(3, 12))
    db.commit()
    tick(db, at(1, 9))
    assert steps(db, case) == []
    assert db.scalars(select(CaseFlow.next_at).where(CaseFlow.case_id == case.id)).one() == at(3, 12)
    tick(db, at(3, 12))
    assert steps(db, case) == [("day1", "sms", "queued")]


def test_a_flow_message_is_cancelled_when_the_case_is_paid_before_it_goes(app, db):
    case = flow_case(db)
    tick(db, at(1, 9))
    case.status = "paid"
    db.commit()
    providers = FakeProviders()
    deliver(app, at(1, 9, 1), providers)
    assert providers.sms.sent == []
    assert steps(db, case) == [("day1", "sms", "cancelled")]
    assert events_of(db, case, "message.sent") == []


def test_no_sms_in_the_quiet_hours_but_email_may_go(app, db):
    case = flow_case(db)
    nudges.pause(case, reason="promise", until=at(1, 22))
    db.commit()
    tick(db, at(1, 22))
    assert steps(db, case) == []
    assert db.scalars(select(CaseFlow.next_at).where(CaseFlow.case_id == case.id)).one() == at(2, 8)
    tick(db, at(2, 8))
    assert steps(db, case) == [("day1", "sms", "queued")]
    other = flow_case(db, db.get(Creditor, case.creditor_id), external_id="T-0002")
    nudges.pause(other, reason="promise", until=at(4, 22, 30))
    db.commit()
    tick(db, at(4, 22, 30))
    assert steps(db, other) == [("day1", "sms", "skipped"), ("day4", "email", "queued")]


def test_a_delayed_sms_waits_out_the_quiet_hours_at_send_time(app, db):
    case = flow_case(db)
    tick(db, at(1, 20))
    providers = FakeProviders()
    assert deliver(app, at(1, 21, 30), providers) == 1
    assert providers.sms.sent == []
    row = db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).one()
    assert row.available_at == at(2, 8) and row.status == "pending"
    deliver(app, at(2, 8), providers)
    assert len(providers.sms.sent) == 1 and steps(db, case) == [("day1", "sms", "sent")]


def test_quiet_hours_follow_the_setting():
    flow = flows.Flow(flows.DEFAULT_STEPS, *flows.parse_quiet_hours("22:30-07:15"))
    assert flows.in_quiet_hours(at(1, 22, 30), flow) and flows.in_quiet_hours(at(2, 7, 14), flow)
    assert not flows.in_quiet_hours(at(2, 7, 15), flow) and not flows.in_quiet_hours(at(1, 22, 29), flow)
    assert flows.quiet_hours_end(at(1, 23), flow) == at(2, 7, 15)


def test_one_message_per_case_per_copenhagen_day(app, db):
    case = flow_case(db)
    messages.send_link(db, case, channel="email", actor="staff:1", now=at(1, 7, 30))
    db.commit()
    tick(db, at(1, 9))
    assert steps(db, case) == [(None, "email", "queued")]
    assert db.scalars(select(CaseFlow.next_at).where(CaseFlow.case_id == case.id)).one() == at(2, 8)
    tick(db, at(1, 23, 59))
    tick(db, at(2, 8))
    assert steps(db, case)[-1] == ("day1", "sms", "queued")


def test_a_restarted_worker_never_queues_or_sends_a_step_twice(app, db):
    case = flow_case(db)
    tick(db, at(1, 9))
    # A worker that died after queueing: its lease ran out, so the case is looked at again.
    db.execute(update(CaseFlow).values(next_at=at(1, 9), state="active"))
    db.commit()
    tick(db, at(1, 9, 5))
    tick(db, at(1, 9, 5))
    assert steps(db, case) == [("day1", "sms", "queued")]
    assert db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).all().__len__() == 1
    providers = FakeProviders()
    deliver(app, at(1, 9, 6), providers)
    deliver(app, at(1, 9, 7), providers)
    assert len(providers.sms.sent) == 1
    assert len(events_of(db, case, "message.sent")) == 1


def test_a_second_look_at_the_same_step_is_refused_by_the_database(db):
    case = flow_case(db)
    messages.queue(db, case, channel="sms", template="reminder_1", locale="da", day=at(1, 9).date(), now=at(1, 9),
                   step="day1")  # fmt: skip
    db.commit()
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        messages.queue(db, case, channel="sms", template="reminder_1", locale="da", day=at(1, 9).date(),
                       now=at(1, 9), step="day1")  # fmt: skip
    db.rollback()
    assert db.scalars(select(Message)).all().__len__() == 1


def test_steps_before_the_case_arrived_are_not_sent(db):
    case = flow_case(db, created_day=5)
    tick(db, at(5, 9))
    assert steps(db, case) == []
    tick(db, at(8, 9))
    assert steps(db, case) == [("day8", "sms", "queued")]


def test_a_case_that_arrives_after_the_hand_over_day_gets_nothing(db):
    case = flow_case(db, created_day=30)
    tick(db, at(30, 9))
    assert steps(db, case) == [] and events_of(db, case, "case.handover") == []


def test_a_step_without_an_address_is_skipped(db):
    case = flow_case(db)
    db.execute(update(Debtor).where(Debtor.id == case.debtor_id).values(phone=None))
    db.commit()
    tick(db, at(1, 9))
    assert steps(db, case) == [("day1", "sms", "skipped")]
    tick(db, at(4, 9))
    assert steps(db, case)[-1] == ("day4", "email", "queued")


def test_variants_split_cases_by_a_stable_hash_and_are_recorded(app, db):
    seen = set()
    providers = FakeProviders()
    creditor = make_creditor(db)
    for n in range(12):
        case = flow_case(db, creditor, external_id=f"V-{n}")
        variant, template = flows.variant(case.public_id, flows.DEFAULT_STEPS[0])
        assert flows.variant(case.public_id, flows.DEFAULT_STEPS[0]) == (variant, template)
        seen.add(variant)
    tick(db, at(1, 9))
    deliver(app, at(1, 9), providers)
    sent = events_of_all(db)
    assert seen == {"a", "b"}
    assert {e.data["variant"] for e in sent} == {"a", "b"}
    assert all(e.data["template"] == ("reminder_1" if e.data["variant"] == "a" else "reminder_1b") for e in sent)


def events_of_all(db):
    """Every message.sent event."""
    return list(db.scalars(select(Event).where(Event.type == "message.sent")))


def test_the_hand_over_waits_while_the_case_is_paused(db):
    case = flow_case(db)
    nudges.pause(case, reason="dispute")
    db.commit()
    tick(db, at(12, 9))
    assert events_of(db, case, "case.handover") == []
    nudges.resume(case, reason="dispute")
    db.commit()
    tick(db, at(12, 10))
    assert len(events_of(db, case, "case.handover")) == 1
    skipped = [s for s in steps(db, case) if s[2] == "skipped"]
    assert skipped == [("day1", "sms", "skipped"), ("day4", "email", "skipped"), ("day8", "sms", "skipped")]


def test_a_changed_flow_applies_to_active_cases(db):
    case = flow_case(db)
    tick(db, at(1, 9))
    flows.save(
        db,
        db.get(Creditor, case.creditor_id),
        steps=[flows.Step(1, "sms", "reminder_1"), flows.Step(2, "email", "reminder"), flows.Step(5, "handover")],
    )
    db.commit()
    tick(db, at(2, 9))
    assert steps(db, case)[-1] == ("day2", "email", "queued")
    tick(db, at(5, 9) + timedelta(minutes=1))
    assert steps(db, case)[-1] == ("day5", "handover", "sent")


def test_two_workers_at_once_queue_and_send_each_step_once(app, db, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers at once are a PostgreSQL deployment (SQLite has one writer)")
    creditor = make_creditor(db)
    cases = [flow_case(db, creditor, external_id=f"P-{n}") for n in range(40)]
    sessions = app.extensions["db_sessionmaker"]
    providers = FakeProviders()
    barrier = threading.Barrier(2)

    def work() -> None:
        with sessions() as session:
            barrier.wait()
            flow_runner.run(session, now=at(1, 9), quiet=QUIET, limit=15)
            session.commit()
        barrier.wait()
        for _ in range(3):
            message_tasks.deliver(app, sessions, limit=7, now=at(1, 9, 1), providers=providers)

    for _ in range(3):
        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert all(steps(db, case) == [("day1", "sms", "sent")] for case in cases)
    references = [sms.reference for sms in providers.sms.sent]
    assert len(references) == len(set(references)) == len(cases)


def test_a_resumed_case_goes_on_at_the_next_sweep_not_an_hour_later(db):
    case = flow_case(db)
    nudges.pause(case, reason="dispute")
    db.commit()
    tick(db, at(1, 9))
    assert db.scalars(select(CaseFlow.waiting_on).where(CaseFlow.case_id == case.id)).one() == "dispute"
    tick(db, at(1, 9, 5))
    assert steps(db, case) == []
    nudges.resume(case, reason="dispute")  # the creditor rejected the dispute
    db.commit()
    tick(db, at(1, 9, 6))
    assert steps(db, case) == [("day1", "sms", "queued")]
    assert db.scalars(select(CaseFlow.waiting_on).where(CaseFlow.case_id == case.id)).one() is None


def test_an_address_removed_while_the_message_waited_fails_it_without_sending(app, db):
    case = flow_case(db)
    tick(db, at(1, 9))
    db.execute(update(Debtor).where(Debtor.id == case.debtor_id).values(phone=None))
    db.commit()
    providers = FakeProviders()
    deliver(app, at(1, 9), providers)
    assert providers.sms.sent == [] and steps(db, case) == [("day1", "sms", "failed")]
    assert events_of(db, case, "message.failed")[0].data["reason"] == "no_address"
