"""Payment plan views: the creditor approves or rejects a plan that waits for a decision."""

from __future__ import annotations

from flask import g

from portal.api import schemas, serialize
from portal.api.blueprint import bp
from portal.api.respond import parse_body, public_id, reply
from portal.db import get_session
from portal.services import case_records, plans

ACTOR = "api"


def _decide(case_id: str, *, approve: bool):
    """Decide the case's waiting plan with the creditor's message for the debtor."""
    data = parse_body(schemas.PlanDecisionIn)
    case = case_records.find_case(get_session(), g.creditor.id, public_id(case_id))
    plan = plans.decide(get_session(), case, approve=approve, message=data.message, actor=ACTOR)
    return reply(serialize.plan_decision(plan, case))


@bp.post("/cases/<case_id>/payment-plan/approve")
def approve_plan(case_id: str):
    """Approve the plan the debtor asked for: it becomes the agreement."""
    return _decide(case_id, approve=True)


@bp.post("/cases/<case_id>/payment-plan/reject")
def reject_plan(case_id: str):
    """Reject the plan the debtor asked for; the case goes on as before."""
    return _decide(case_id, approve=False)
