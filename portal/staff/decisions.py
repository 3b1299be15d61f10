"""Staff decisions on the debtor's answers, and resending the link: parse, call one service, audit, commit."""

from __future__ import annotations

from flask import g, redirect, request, url_for

from portal.db import get_session
from portal.services import staff_answers
from portal.services.case_updates import CaseClosed
from portal.services.disputes import NoOpenDispute
from portal.services.errors import InvalidInput
from portal.services.messages import ChannelStopped
from portal.services.plans import PlanNotPending
from portal.staff.blueprint import bp
from portal.staff.forms import DisputeResolutionForm, PlanDecisionForm
from portal.staff.views import audit_action, case_page


def _back(case_id: str, anchor: str):
    """Back to the case file, at the section that changed."""
    return redirect(url_for("staff.case", case_id=case_id, _anchor=anchor), 303)


@bp.post("/cases/<case_id>/link/send")
def send_link(case_id: str):
    """Send the debtor the current link now by SMS or e-mail."""
    channel = request.form.get("channel", "")
    try:
        message = staff_answers.send_link(get_session(), g.staff, g.case, channel=channel)
    except InvalidInput as error:
        return case_page(422, action_error=error.message)
    except ChannelStopped as error:
        return case_page(409, action_error=error.reason)
    audit_action("link.sent", channel=channel, message=message.public_id)
    get_session().commit()
    return _back(case_id, "timeline")


@bp.post("/cases/<case_id>/plan/decision")
def decide_plan(case_id: str):
    """Approve or reject the debtor's waiting payment plan on the creditor's behalf."""
    form = PlanDecisionForm()
    if not form.validate_on_submit():
        return case_page(422, plan_form=form)
    approve = form.decision.data == "approve"
    try:
        plan = staff_answers.decide_plan(get_session(), g.staff, g.case, approve=approve, message=form.message.data)
    except (PlanNotPending, CaseClosed, staff_answers.NotDelegated) as error:
        return case_page(409, action_error=error.reason)
    audit_action("plan.approved" if approve else "plan.rejected", plan=plan.public_id)
    get_session().commit()
    return _back(case_id, "answers")


@bp.post("/cases/<case_id>/dispute/resolution")
def resolve_dispute(case_id: str):
    """Resolve the debtor's open dispute on the creditor's behalf."""
    form = DisputeResolutionForm()
    if not form.validate_on_submit():
        return case_page(422, dispute_form=form)
    try:
        dispute = staff_answers.resolve_dispute(
            get_session(), g.staff, g.case, outcome=form.outcome.data, message=form.message.data
        )
    except (NoOpenDispute, CaseClosed, staff_answers.NotDelegated) as error:
        return case_page(409, action_error=error.reason)
    audit_action("dispute.resolved", dispute=dispute.public_id, outcome=dispute.outcome)
    get_session().commit()
    return _back(case_id, "answers")
