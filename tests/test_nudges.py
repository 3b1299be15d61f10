"""The nudge gate: what pauses a case's reminders, for how long, and what ends a pause."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.models import utcnow
from portal.services import nudges
from tests.conftest import make_case


def test_open_case_may_be_nudged(db):
    case = make_case(db)
    assert nudges.blocked_reason(case, utcnow()) is None


def test_closed_case_is_never_nudged(db):
    case = make_case(db)
    case.status = "paid"
    assert nudges.blocked_reason(case, utcnow()) == "paid"


def test_pause_until_a_time_ends_by_itself(db):
    case = make_case(db)
    now = utcnow()
    nudges.pause(case, reason="promise", until=now + timedelta(days=3))
    db.commit()
    assert nudges.blocked_reason(case, now) == "promise"
    assert nudges.blocked_reason(case, now + timedelta(days=3, seconds=1)) is None


def test_pause_without_end_holds_until_resumed_for_its_own_reason(db):
    case = make_case(db)
    nudges.pause(case, reason="dispute")
    assert nudges.blocked_reason(case, utcnow() + timedelta(days=365)) == "dispute"
    assert nudges.resume(case, reason="promise") is False
    assert nudges.blocked_reason(case, utcnow()) == "dispute"
    assert nudges.resume(case, reason="dispute") is True
    assert nudges.blocked_reason(case, utcnow()) is None


def test_unknown_pause_reason_is_refused(db):
    case = make_case(db)
    with pytest.raises(ValueError):
        nudges.pause(case, reason="holiday")
