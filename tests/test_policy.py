"""The effective policy: defaults, then the creditor's choices, then the case's overrides."""

from __future__ import annotations

from portal.services.policy import Policy, effective


def test_defaults_apply_when_nothing_is_set():
    assert effective(None, None) == Policy()


def test_case_overrides_win_over_the_creditor():
    policy = effective({"plan_max_installments": 3, "promise_max_days": 5}, {"plan_max_installments": 4})
    assert policy.plan_max_installments == 4
    assert policy.promise_max_days == 5


def test_unknown_keys_and_nulls_are_ignored():
    policy = effective({"bogus": 1, "plan_grace_days": None}, {"payment_methods": ["card"]})
    assert policy.plan_grace_days == Policy().plan_grace_days
    assert policy.payment_methods == ("card",)
