"""Builders for the payment plan tests: a case with a plan, and the debtor's plan form."""

from __future__ import annotations

from datetime import date, timedelta

from portal.models import PaymentPlan
from portal.services import attempts, plans
from tests.conftest import csrf_from


def make_plan(db, case, *, count: int = 3, today: date | None = None, first: date | None = None) -> PaymentPlan:
    """A committed plan request for the case (approved at once when within the policy's automatic limit)."""
    today = today or date.today()
    loaded = attempts.case_with_creditor(db, case.id)
    plan = plans.request(
        db, loaded, first_due_on=first or today + timedelta(days=7), today=today, locale="da", count=count
    )
    db.commit()
    return plan


def plan_form(client, **fields) -> dict:
    """The plan form's fields (CSRF token from the plan page), three instalments a week from now by default."""
    page = client.get("/sag/afdrag")
    data = {
        "csrf_token": csrf_from(page.text),
        "split": "count",
        "count": "3",
        "first_due_on": (date.today() + timedelta(days=7)).isoformat(),
        "action": "preview",
    }
    return data | fields
