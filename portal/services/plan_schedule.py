"""A payment plan's schedule: pure functions from an amount and the debtor's choice to dated instalments.

The debtor picks a number of instalments or a monthly amount, and the first date. Instalments fall
monthly on the same day of the month as the first (clamped to the month's end: 31 January, 28/29
February, 31 March …). Amounts are whole øre and add up to the total exactly: a count splits the total
evenly with the odd øre on the first instalments; a monthly amount is paid every month and the last
instalment is what is left. `assess` checks a choice against the creditor's policy; `installments`
reads a stored schedule with the money paid so far allocated in order.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l

from portal.i18n import long_date
from portal.services.errors import InvalidInput
from portal.services.policy import Policy

MIN_INSTALLMENTS = 2


@dataclass(frozen=True)
class Installment:
    """One instalment: its number (from 1), due date and amount in øre."""

    number: int
    due_on: date
    amount: int


@dataclass(frozen=True)
class Assessment:
    """A valid schedule and whether the creditor's policy lets it be approved at once."""

    installments: tuple[Installment, ...]
    auto_approve: bool

    @property
    def total(self) -> int:
        """What the instalments add up to."""
        return sum(i.amount for i in self.installments)


def add_months(start: date, months: int) -> date:
    """The same day of the month `months` later, clamped to that month's last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def split_evenly(total: int, count: int) -> list[int]:
    """`count` amounts in whole øre that differ by at most one øre and add up to `total`."""
    base, remainder = divmod(total, count)
    return [base + 1 if index < remainder else base for index in range(count)]


def by_monthly_amount(total: int, monthly: int) -> list[int]:
    """`monthly` each month until the total is paid; the last instalment is what is left."""
    count = -(-total // monthly)
    return [monthly] * (count - 1) + [total - monthly * (count - 1)]


def schedule(
    total: int, first_due_on: date, *, count: int | None = None, monthly: int | None = None
) -> list[Installment]:
    """The instalments for a number of instalments or a monthly amount (exactly one of them)."""
    if (count is None) == (monthly is None):
        raise ValueError("give either count or monthly")
    if total <= 0 or (count is not None and count < 1) or (monthly is not None and monthly < 1):
        raise ValueError("total, count and monthly must be positive")
    amounts = split_evenly(total, count) if count is not None else by_monthly_amount(total, monthly)
    return [
        Installment(number=index + 1, due_on=add_months(first_due_on, index), amount=amount)
        for index, amount in enumerate(amounts)
    ]


def latest_first_due(policy: Policy, today: date) -> date:
    """The latest date the first instalment may fall on."""
    return today + timedelta(days=policy.plan_first_due_max_days)


def _check_first_date(policy: Policy, first_due_on: date, today: date) -> None:
    """The first instalment falls between today and the policy's latest first date."""
    if first_due_on < today:
        raise InvalidInput(field="first_due_on", message=_l("Choose today or a later date."))
    latest = latest_first_due(policy, today)
    if first_due_on > latest:
        message = LazyString(lambda: gettext("Choose a date no later than %(date)s.", date=long_date(latest)))
        raise InvalidInput(field="first_due_on", message=message)


def _check_amounts(policy: Policy, total: int, *, count: int | None, monthly: int | None) -> None:
    """The number of instalments and the instalment amount are within the policy."""
    most = policy.plan_max_installments
    if count is not None:
        if not MIN_INSTALLMENTS <= count <= most:
            message = _l("Choose from %(least)s to %(most)s instalments.", least=MIN_INSTALLMENTS, most=most)
            raise InvalidInput(field="count", message=message)
        if total // count < policy.plan_min_installment:
            raise InvalidInput(
                field="count", message=_l("Each instalment would be too small. Choose fewer instalments.")
            )
        return
    if monthly < policy.plan_min_installment:
        raise InvalidInput(field="monthly", message=_l("The monthly amount is below the smallest instalment allowed."))
    if monthly >= total:
        raise InvalidInput(field="monthly", message=_l("The monthly amount must be less than the whole amount."))
    if -(-total // monthly) > most:
        raise InvalidInput(
            field="monthly",
            message=_l("That would take more than %(most)s instalments. Choose a larger amount.", most=most),
        )


def assess(
    policy: Policy, total: int, first_due_on: date, *, today: date, count: int | None = None, monthly: int | None = None
) -> Assessment:
    """Check a choice against the policy: InvalidInput outside its hard bounds, else the schedule.

    Hard bounds (refused, never created): the number of instalments, the smallest instalment (a monthly
    plan's last instalment is the remainder and may be smaller) and the first date. Within them, a plan
    larger than the policy's automatic limit waits for the creditor.
    """
    _check_first_date(policy, first_due_on, today)
    _check_amounts(policy, total, count=count, monthly=monthly)
    installments = tuple(schedule(total, first_due_on, count=count, monthly=monthly))
    return Assessment(installments, auto_approve=total <= policy.plan_auto_approve_max_total)


@dataclass(frozen=True)
class InstallmentState:
    """One instalment with what has been allocated to it."""

    number: int
    due_on: date
    amount: int
    paid: int

    @property
    def settled(self) -> bool:
        """Whether the instalment is paid in full."""
        return self.paid >= self.amount

    @property
    def remaining(self) -> int:
        """What is still to pay of it."""
        return self.amount - self.paid


def installments(schedule: list[dict[str, Any]], paid: int) -> list[InstallmentState]:
    """The instalments of a schedule with `paid` øre allocated to them in order."""
    states, left = [], paid
    for item in schedule:
        share = min(left, item["amount"])
        left -= share
        due_on = item["due_on"] if isinstance(item["due_on"], date) else date.fromisoformat(item["due_on"])
        states.append(InstallmentState(item["number"], due_on, item["amount"], share))
    return states


def next_installment(schedule: list[dict[str, Any]], paid: int) -> InstallmentState | None:
    """The first instalment not paid in full, or None when all are."""
    return next((i for i in installments(schedule, paid) if not i.settled), None)
