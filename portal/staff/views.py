"""Staff views: parse, call one service, audit, commit, respond. Scope was checked by the blueprint already."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, current_app, g, redirect, render_template, request, url_for

from portal.attachments import attachment
from portal.db import get_session
from portal.i18n import today
from portal.ratelimit import client_address
from portal.services import audit, dashboard, disputes, links, staff_answers, staff_cases, staff_search
from portal.services.case_updates import CaseClosed
from portal.services.errors import InvalidInput
from portal.services.evidence import FileStore
from portal.services.webhook_endpoints import EndpointDisabled
from portal.staff.blueprint import admin_only, bp
from portal.staff.forms import ActionForm, DisputeResolutionForm, NoteForm, PaymentForm, PlanDecisionForm


def audit_action(action: str, **data) -> None:
    """Record what the signed-in staff user did to the current case."""
    audit.record(get_session(), g.staff, action, case=g.get("case"), ip=client_address(), data=data)


def case_page(status: int = 200, **extra):
    """The case file with its action forms (fresh ones unless the caller passes filled-in ones)."""
    forms = {
        "note_form": NoteForm(formdata=None),
        "payment_form": PaymentForm(formdata=None),
        "plan_form": PlanDecisionForm(formdata=None),
        "dispute_form": DisputeResolutionForm(formdata=None),
        "action": ActionForm(),
    }
    forms.update(extra)
    session = get_session()
    file = staff_cases.load_case_file(session, g.case)
    evidence = disputes.files_of_case(session, g.case)
    answers = staff_answers.load(session, g.staff, g.case)
    return render_template("staff/case.html", file=file, evidence=evidence, answers=answers, **forms), status


@bp.get("")
def search():
    """The search box and one page of matching cases."""
    query = request.args.get("q", "")
    page = staff_search.search(get_session(), g.staff, query, page=request.args.get("page", 1, type=int))
    return render_template("staff/search.html", query=query, result=page)


@bp.get("/cases/<case_id>")
def case(case_id: str):
    """The whole case file; the view itself is audited."""
    audit_action("case.viewed")
    get_session().commit()
    return case_page()


@bp.post("/cases/<case_id>/link")
def reissue_link(case_id: str):
    """Revoke the link and show the new one, this once."""
    try:
        staff_cases.reissue_link(get_session(), g.staff, g.case)
    except CaseClosed as error:
        return case_page(409, action_error=error.reason)
    signer = links.make_signer(current_app.config["SECRET_KEY"], current_app.config["SECRET_KEY_FALLBACKS"])
    new_link = links.link_url(current_app.config["BASE_URL"], signer, g.case)
    audit_action("link.reissued", link_version=g.case.link_version)
    get_session().commit()
    return case_page(new_link=new_link)


@bp.post("/cases/<case_id>/notes")
def add_note(case_id: str):
    """Add a note to the case's timeline."""
    form = NoteForm()
    if not form.validate_on_submit():
        return case_page(422, note_form=form)
    staff_cases.add_note(get_session(), g.staff, g.case, form.text.data)
    audit_action("note.added")
    get_session().commit()
    return redirect(url_for("staff.case", case_id=case_id, _anchor="timeline"), 303)


@bp.post("/cases/<case_id>/payments")
def register_payment(case_id: str):
    """Register a payment received outside the portal, through the ledger."""
    form = PaymentForm()
    if not form.validate_on_submit():
        return case_page(422, payment_form=form)
    try:
        payment = staff_cases.register_manual_payment(
            get_session(), g.staff, g.case, amount=form.amount.ore, reference=form.reference.data
        )
    except (InvalidInput, CaseClosed) as error:
        form.amount.errors = [getattr(error, "message", error.reason)]
        return case_page(422, payment_form=form)
    audit_action("payment.registered", payment=payment.public_id, amount=payment.amount)
    get_session().commit()
    return redirect(url_for("staff.case", case_id=case_id, _anchor="payments"), 303)


@bp.post("/cases/<case_id>/nudges/pause")
def pause_nudges(case_id: str):
    """Stop the case's reminder messages until resumed."""
    try:
        staff_cases.pause_nudges(get_session(), g.staff, g.case)
    except CaseClosed as error:
        return case_page(409, action_error=error.reason)
    audit_action("nudges.paused")
    get_session().commit()
    return redirect(url_for("staff.case", case_id=case_id, _anchor="reminders"), 303)


@bp.post("/cases/<case_id>/nudges/resume")
def resume_nudges(case_id: str):
    """Let reminder messages go to the case again."""
    if staff_cases.resume_nudges(get_session(), g.staff, g.case) is not None:
        audit_action("nudges.resumed")
        get_session().commit()
    return redirect(url_for("staff.case", case_id=case_id, _anchor="reminders"), 303)


@bp.post("/cases/<case_id>/deliveries/<delivery_id>/retry")
@admin_only
def replay_delivery(case_id: str, delivery_id: str):
    """Send one of the case's webhook deliveries again as soon as a worker is free (admins only)."""
    try:
        delivery = staff_cases.replay_delivery(get_session(), g.case, delivery_id)
    except EndpointDisabled as error:
        return case_page(409, action_error=error.reason)
    audit_action("webhook.replayed", delivery=delivery.public_id)
    get_session().commit()
    return redirect(url_for("staff.case", case_id=case_id, _anchor="timeline"), 303)


@bp.get("/cases/<case_id>/dispute-files/<file_id>")
def dispute_file(case_id: str, file_id: str):
    """An evidence file of the case's disputes, as a download that is never rendered; the download is audited."""
    found = disputes.file_of_case(get_session(), g.case, file_id)
    data = FileStore(current_app.config["UPLOAD_DIR"]).read(found.stored_name)
    audit_action("dispute_file.downloaded", file=found.public_id)
    get_session().commit()
    return attachment(data, filename=found.filename, content_type=found.content_type)


@bp.get("/audit")
@admin_only
def audit_log():
    """The newest audit rows within the admin's scope."""
    rows = audit.recent(get_session(), creditor_id=g.staff.creditor_id)
    return render_template("staff/audit.html", rows=rows)


@bp.get("/debtors/<debtor_id>/audit.csv")
@admin_only
def debtor_audit_csv(debtor_id: str):
    """Who looked at or changed one debtor's data, as CSV (a debtor may ask); the export is audited too."""
    body = audit.for_debtor_csv(get_session(), g.debtor)
    audit.record(get_session(), g.staff, "audit.exported", ip=client_address(), data={"debtor": debtor_id})
    get_session().commit()
    headers = {"Content-Disposition": f'attachment; filename="audit-{debtor_id}.csv"'}
    return Response(body, mimetype="text/csv", headers=headers)


def _dashboard_outcome():
    """Parse the dashboard's creditor and period (default: the last 30 days) and compute its figures."""
    end = _date_arg("end") or today()
    start = _date_arg("start") or end - timedelta(days=29)
    creditors = dashboard.creditors_in_scope(get_session(), g.staff)
    chosen = next((row for row in creditors if row[0] == request.args.get("creditor")), None)
    result = dashboard.outcome(
        get_session(), g.staff, creditor_id=chosen[2] if chosen else None, start=min(start, end), end=end
    )
    return result, creditors, chosen


def _date_arg(name: str) -> date | None:
    """A yyyy-mm-dd query argument, or None when absent or malformed."""
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/dashboard")
def dashboard_page():
    """The funnel and headline figures with a chart, per creditor and period."""
    result, creditors, chosen = _dashboard_outcome()
    creditor_id = chosen[2] if chosen else g.staff.creditor_id
    variants = (
        dashboard.variants(get_session(), creditor_id, start=result.start, end=result.end) if creditor_id else None
    )
    return render_template("staff/dashboard.html", result=result, creditors=creditors, chosen=chosen, variants=variants)


@bp.get("/dashboard.csv")
def dashboard_csv():
    """The dashboard's figures as CSV."""
    result, _creditors, _chosen = _dashboard_outcome()
    headers = {"Content-Disposition": f'attachment; filename="betal-{result.start}-{result.end}.csv"'}
    return Response(dashboard.to_csv(result), mimetype="text/csv", headers=headers)
