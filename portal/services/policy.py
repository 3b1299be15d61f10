"""A creditor's rules for what a debtor may do, with the case's own overrides on top.

The creditor's policy (JSON on the creditor) holds the creditor's choices; the creditor API may
override any of them for one case (JSON on the case). `effective` merges the two over the defaults
below, so every reader sees one complete, typed set of rules. Amounts are øre, periods whole days.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Policy:
    """Every rule with its default: what a serious Danish creditor would offer out of the box."""

    payment_methods: tuple[str, ...] = ("mobilepay", "card")
    partial_payment_minimum: int | None = None  # None: only the whole amount can be paid online
    plans_allowed: bool = True
    plan_max_installments: int = 6
    plan_min_installment: int = 20000  # 200 kr.
    plan_first_due_max_days: int = 30  # the first instalment falls at most this many days from today
    plan_auto_approve_max_total: int = 1_000_000  # larger plans wait for the creditor
    plan_grace_days: int = 5  # an instalment this many days late defaults the plan
    promises_allowed: bool = True
    promise_max_days: int = 10  # "I will pay on …" at most this many days ahead
    promise_grace_days: int = 2  # unpaid this many days after the promised date: broken
    already_paid_allowed: bool = True
    already_paid_pause_bank_days: int = 3  # "already paid" pauses nudges for this many bank days
    formal_reminder_day: int = 12  # days after the due date when the formal rykker takes over
    operator_decides: bool = False  # the operator's customer service may decide plans and disputes


POLICY_KEYS = tuple(field.name for field in fields(Policy))


def effective(creditor_policy: dict[str, Any] | None, case_policy: dict[str, Any] | None = None) -> Policy:
    """The rules for one case: defaults, then the creditor's policy, then the case's overrides."""
    merged: dict[str, Any] = {}
    for source in (creditor_policy or {}, case_policy or {}):
        merged.update({key: value for key, value in source.items() if key in POLICY_KEYS and value is not None})
    if "payment_methods" in merged:
        merged["payment_methods"] = tuple(merged["payment_methods"])
    return Policy(**merged)
