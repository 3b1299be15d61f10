"""The plan schedule: whole øre, an exact sum and dates within policy for any amount and allowed choice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from portal.services.errors import InvalidInput
from portal.services.plan_schedule import add_months, assess, schedule
from portal.services.policy import Policy

TODAY = date(2026, 11, 29)
policies = st.builds(
    Policy,
    plan_max_installments=st.integers(2, 36),
    plan_min_installment=st.integers(1, 100_000),
    plan_first_due_max_days=st.integers(0, 90),
    plan_auto_approve_max_total=st.integers(0, 10_000_000),
)
totals = st.integers(1, 100_000_000)


def test_month_steps_keep_the_day_and_clamp_to_the_months_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert [i.due_on for i in schedule(300, date(2026, 12, 31), count=3)] == [
        date(2026, 12, 31), date(2027, 1, 31), date(2027, 2, 28),
    ]  # fmt: skip


def test_odd_ore_go_to_the_first_instalments():
    assert [i.amount for i in schedule(100001, TODAY, count=3)] == [33334, 33334, 33333]


def test_a_monthly_amount_is_paid_until_the_rest_is_left():
    assert [i.amount for i in schedule(123450, TODAY, monthly=50000)] == [50000, 50000, 23450]


@given(policy=policies, total=totals, data=st.data())
def test_any_allowed_count_gives_whole_ore_an_exact_sum_and_dates_within_policy(policy, total, data):
    count = data.draw(st.integers(2, policy.plan_max_installments))
    assume(total // count >= policy.plan_min_installment)
    first = TODAY + timedelta(days=data.draw(st.integers(0, policy.plan_first_due_max_days)))
    result = assess(policy, total, first, today=TODAY, count=count)
    amounts = [i.amount for i in result.installments]
    assert all(isinstance(a, int) and a >= policy.plan_min_installment for a in amounts)
    assert sum(amounts) == total == result.total
    assert max(amounts) - min(amounts) <= 1
    assert len(amounts) == count <= policy.plan_max_installments
    dates = [i.due_on for i in result.installments]
    assert dates[0] == first and TODAY <= first <= TODAY + timedelta(days=policy.plan_first_due_max_days)
    assert all(earlier < later for earlier, later in zip(dates, dates[1:], strict=False))
    assert result.auto_approve == (total <= policy.plan_auto_approve_max_total)


@given(policy=policies, total=totals, data=st.data())
def test_any_allowed_monthly_amount_gives_an_exact_sum_within_the_maximum_count(policy, total, data):
    assume(total > policy.plan_min_installment)
    monthly = data.draw(st.integers(policy.plan_min_installment, total - 1))
    assume(-(-total // monthly) <= policy.plan_max_installments)
    result = assess(policy, total, TODAY, today=TODAY, monthly=monthly)
    amounts = [i.amount for i in result.installments]
    assert sum(amounts) == total and all(0 < a <= monthly for a in amounts)
    assert all(a == monthly for a in amounts[:-1])
    assert 2 <= len(amounts) <= policy.plan_max_installments


@given(
    policy=policies,
    total=totals,
    count=st.integers(-5, 60),
    monthly=st.integers(-5, 10_000_000),
    by_count=st.booleans(),
    offset=st.integers(-30, 150),
)
def test_a_request_outside_policy_is_never_approved_at_once(policy, total, count, monthly, by_count, offset):
    first = TODAY + timedelta(days=offset)
    choice = {"count": count} if by_count else {"monthly": monthly}
    try:
        result = assess(policy, total, first, today=TODAY, **choice)
    except InvalidInput:
        return  # refused outright: never created, so never approved
    amounts = [i.amount for i in result.installments]
    inside = (
        TODAY <= first <= TODAY + timedelta(days=policy.plan_first_due_max_days)
        and 2 <= len(amounts) <= policy.plan_max_installments
        and all(a >= policy.plan_min_installment for a in amounts[:-1])
        and sum(amounts) == total
    )
    assert inside, (choice, amounts)
    if total > policy.plan_auto_approve_max_total:
        assert not result.auto_approve


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        ({"count": 7}, "count"),  # more instalments than the default maximum of 6
        ({"count": 1}, "count"),
        ({"count": 6, "total": 100000}, "count"),  # 166,66 kr. each: below the 200 kr. minimum
        ({"monthly": 10000}, "monthly"),  # below the minimum instalment
        ({"monthly": 20000, "total": 200000}, "monthly"),  # ten months: more than six
    ],
)
def test_a_choice_outside_the_hard_bounds_is_refused_naming_its_field(app, choice, field):
    choice = dict(choice)  # the parameter is shared by the SQLite and PostgreSQL runs
    total = choice.pop("total", 500000)
    with app.test_request_context():
        with pytest.raises(InvalidInput) as refused:
            assess(Policy(), total, TODAY, today=TODAY, **choice)
        assert refused.value.field == field
        assert str(refused.value.message)


@pytest.mark.parametrize("offset", [-1, 31])
def test_a_first_date_in_the_past_or_too_far_ahead_is_refused(app, offset):
    with app.test_request_context():
        with pytest.raises(InvalidInput) as refused:
            assess(Policy(), 500000, TODAY + timedelta(days=offset), today=TODAY, count=3)
        assert refused.value.field == "first_due_on"
        assert str(refused.value.message)
