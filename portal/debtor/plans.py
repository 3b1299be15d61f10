"""Debtor payment plan pages: the plan form with its preview, the request, its status and the agreement PDF."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, g, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from portal.db import get_read_connection, get_session
from portal.debtor.blueprint import bp
from portal.debtor.forms import PlanForm, parse_kroner
from portal.debtor.payments import session_case
from portal.i18n import money, select_locale, today
from portal.models import CURRENT_PLAN_STATUSES, Case
from portal.services import case_view, documents, links, plans
from portal.services.case_view import CaseView
from portal.services.errors import InvalidInput
from portal.services.plan_schedule import MIN_INSTALLMENTS, Assessment, latest_first_due
from portal.services.policy import Policy, effective

# The first date the form suggests: two weeks ahead (or the latest the policy allows, if sooner).
SUGGESTED_FIRST_DAYS = 14
AGREEMENT_PLAN_STATUSES = ("approved", "completed")


def _view() -> CaseView:
    """The session's case as the case page reads it (with its newest plan), after the link checks."""
    stamp = case_view.load_case(get_read_connection(), g.case_public_id, link_version=g.link_version)
    links.check_not_expired(stamp, grace_days=current_app.config["LINK_GRACE_DAYS"])
    return case_view.load_details(get_read_connection(), stamp)


def _form(policy: Policy, **data) -> PlanForm:
    """The plan form with the instalment counts the policy allows."""
    form = PlanForm(**data)
    form.count.choices = [SelectChoice(n, str(n)) for n in range(MIN_INSTALLMENTS, policy.plan_max_installments + 1)]
    return form


def _render(case, policy: Policy, form: PlanForm, preview: Assessment | None = None, status: int = 200):
    """The plan page: the form, and the schedule when one was previewed."""
    context = {
        "case": case,
        "creditor": case.creditor,
        "policy": policy,
        "form": form,
        "preview": preview,
        "least_installments": MIN_INSTALLMENTS,
        "earliest": today(),
        "latest": latest_first_due(policy, today()),
    }
    return render_template("debtor/plan.html", **context), status


@bp.get("/sag/afdrag")
def plan_page():
    """The plan form, or the status of the plan the debtor already asked for."""
    view = _view()
    current = view.plan if view.plan is not None and view.plan.status in CURRENT_PLAN_STATUSES else None
    if current is not None:
        return render_template("debtor/plan_status.html", view=view, case=view.case, creditor=view.creditor)
    policy = effective(view.creditor.policy, view.case.policy)
    try:
        plans.check_available(view.case, policy, None)
    except plans.PlanUnavailable:
        return redirect(url_for("debtor.case_page"), 303)
    first = min(today() + timedelta(days=SUGGESTED_FIRST_DAYS), latest_first_due(policy, today()))
    count = min(3, policy.plan_max_installments)
    return _render(view.case, policy, _form(policy, formdata=None, first_due_on=first, count=count))


@bp.post("/sag/afdrag")
def plan_submit():
    """Preview the schedule, or send the request (approved at once within the policy's limits)."""
    case = session_case()
    policy = plans.policy_of(case)
    form = _form(policy)
    choice = _choice(form, case) if form.validate_on_submit() else None
    if choice is None:
        return _render(case, policy, _with_date_message(form), status=422)
    try:
        if form.action.data == "send":
            plans.request(get_session(), case, today=today(), locale=select_locale(), **choice)
            get_session().commit()
            return redirect(url_for("debtor.plan_page"), 303)
        preview = plans.preview(get_session(), case, today=today(), **choice)
    except InvalidInput as error:
        getattr(form, error.field).errors = [str(error.message)]
        return _render(case, policy, form, status=422)
    return _render(case, policy, form, preview)


def _choice(form: PlanForm, case: Case) -> dict | None:
    """The debtor's choice as service arguments, or None with the reason on the form."""
    first = {"first_due_on": form.first_due_on.data}
    if form.split.data == "count":
        if not form.count.data:
            form.count.errors = [_("Choose the number of instalments.")]
            return None
        return first | {"count": form.count.data}
    monthly = parse_kroner(form.monthly.data, select_locale()) if form.monthly.data else None
    if monthly is None or monthly <= 0:
        example = money(min(50000, case.outstanding), case.currency)
        form.monthly.errors = [_("Type the amount you can pay each month, e.g. %(example)s.", example=example)]
        return None
    return first | {"monthly": monthly}


def _with_date_message(form: PlanForm) -> PlanForm:
    """Word a date the browser could not send as a date in the page's language."""
    if form.first_due_on.errors and form.first_due_on.raw_data and form.first_due_on.raw_data[0]:
        form.first_due_on.errors = [
            _("Type the date as year-month-day, e.g. %(example)s.", example=today().isoformat())
        ]
    return form


@bp.get("/sag/afdrag/aftale.pdf")
def plan_agreement_pdf():
    """The approved plan's agreement (afdragsaftale) as a PDF in the page's language."""
    view = _view()
    if view.plan is None or view.plan.status not in AGREEMENT_PLAN_STATUSES:
        abort(404)
    pdf = documents.agreement_pdf(get_session(), view)
    get_session().commit()
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = 'attachment; filename="afdragsaftale.pdf"'
    return response


@bp.errorhandler(plans.PlanUnavailable)
def plan_unavailable(_error: plans.PlanUnavailable):
    """A plan cannot be made (one exists already, or the case changed): the plan page says what there is."""
    return redirect(url_for("debtor.plan_page"), 303)
