"""The debtor's answers other than paying: dispute, already paid, promise, call me, new contact details.

Each form page re-renders with what was typed and the reasons next to the fields; a sent answer
redirects to its confirmation page, which says what happens next.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from portal.db import get_read_connection, get_session
from portal.debtor import answer_forms as forms
from portal.debtor.blueprint import bp
from portal.debtor.forms import parse_kroner
from portal.i18n import select_locale
from portal.models import CallbackRequest, Case, Dispute, PaidReport, Promise, utcnow
from portal.services import answers, case_view, disputes, evidence, links, promises
from portal.services.errors import DomainError, InvalidInput

bp.add_app_template_global(answers.offers, "answer_offers")
bp.add_app_template_global(promises.last_day, "promise_last_day")


def _case() -> Case:
    """The session's open case with its creditor; a closed case sends the debtor back to the case page."""
    stamp = case_view.load_case(get_read_connection(), g.case_public_id, link_version=g.link_version)
    links.check_not_expired(stamp, grace_days=current_app.config["LINK_GRACE_DAYS"])
    case = answers.load_case(get_session(), stamp.id)
    if case.status != "open":
        abort(redirect(url_for("debtor.case_page"), 303))
    return case


def _store() -> evidence.FileStore:
    """The evidence folder from the settings."""
    return evidence.FileStore(current_app.config["UPLOAD_DIR"])


def _answer(case: Case, form: FlaskForm, template: str, act: Callable[[], object], sent: str, **context):
    """Validate, run the service, commit and go to the confirmation; else the form again with the reasons."""
    if form.validate_on_submit():
        try:
            act()
        except InvalidInput as error:
            field = getattr(form, error.field, None)
            (field.errors if field is not None else form.form_errors).append(str(error.message))
        except DomainError as error:
            form.form_errors.append(str(error.reason))
        else:
            get_session().commit()
            return redirect(url_for(sent), 303)
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, case=case, creditor=case.creditor, **context), status


def _sent(template: str, case: Case, model, form_endpoint: str):
    """A confirmation page about the case's newest answer of a kind (none yet: the form)."""
    found = answers.latest(get_session(), model, case.id)
    if found is None:
        return redirect(url_for(form_endpoint), 303)
    rules = answers.rules_for(case)
    return render_template(template, case=case, creditor=case.creditor, answer=found, rules=rules)


def _uploads() -> list[evidence.Upload]:
    """The files chosen in the dispute form (each read to at most one byte over the limit)."""
    chosen = [f for f in request.files.getlist("files") if f.filename]
    return [evidence.Upload(f.filename, f.stream.read(evidence.MAX_FILE_BYTES + 1)) for f in chosen]


@bp.route("/sag/indsigelse", methods=["GET", "POST"])
def dispute():
    """Indsigelse: the reason, the debtor's words and up to three files; the case goes on hold."""
    case = _case()
    newest = answers.latest(get_session(), Dispute, case.id)
    if request.method == "GET" and newest is not None and newest.status == "open":
        return redirect(url_for("debtor.dispute_sent"), 303)
    form = forms.DisputeForm()
    uploads = _uploads() if request.method == "POST" else []

    def act():
        checked = evidence.check(uploads)
        return disputes.open_dispute(get_session(), case, reason=form.reason.data, text=form.text.data or "",
                                     files=checked, store=_store(), now=utcnow())  # fmt: skip

    return _answer(case, form, "debtor/dispute.html", act, "debtor.dispute_sent", files_dropped=bool(uploads),
                   reasons=forms.DISPUTE_REASON_LABELS, max_files=evidence.MAX_FILES)  # fmt: skip


@bp.get("/sag/indsigelse/sendt")
def dispute_sent():
    """What happens after a dispute: on hold until the creditor answers; the answer once it comes."""
    return _sent("debtor/dispute_sent.html", _case(), Dispute, "debtor.dispute")


@bp.route("/sag/betalt", methods=["GET", "POST"])
def already_paid():
    """ "Jeg har allerede betalt": date, amount, how, and the reference if any."""
    case = _case()
    if not answers.rules_for(case).already_paid_allowed:
        abort(404)
    form = forms.PaidForm()

    def act():
        paid_on = forms.parse_day(form.paid_on.data)
        if paid_on is None:
            raise InvalidInput(field="paid_on", message=form.paid_on.validators[0].message)
        amount = parse_kroner(form.amount.data, select_locale())
        return answers.report_paid(get_session(), case, paid_on=paid_on, amount=amount or 0, channel=form.channel.data,
                                   reference=(form.reference.data or "").strip() or None, now=utcnow())  # fmt: skip

    return _answer(case, form, "debtor/already_paid.html", act, "debtor.already_paid_sent",
                   channels=forms.CHANNEL_LABELS)  # fmt: skip


@bp.get("/sag/betalt/sendt")
def already_paid_sent():
    """What happens after "already paid": no reminders for a few bank days while the creditor checks."""
    return _sent("debtor/already_paid_sent.html", _case(), PaidReport, "debtor.already_paid")


@bp.route("/sag/betaler", methods=["GET", "POST"])
def promise():
    """ "Jeg betaler den …": a date within the creditor's bound."""
    case = _case()
    if not answers.rules_for(case).promises_allowed:
        abort(404)
    form = forms.PromiseForm()
    now = utcnow()

    def act():
        promised_on = forms.parse_day(form.promised_on.data)
        if promised_on is None:
            raise InvalidInput(field="promised_on", message=form.promised_on.validators[0].message)
        return promises.create(get_session(), case, promised_on=promised_on, now=now)

    return _answer(case, form, "debtor/promise.html", act, "debtor.promise_sent",
                   today=answers.local_today(now), last=promises.latest_allowed(case, now))  # fmt: skip


@bp.get("/sag/betaler/sendt")
def promise_sent():
    """What happens after a promise: no reminders until the date plus grace."""
    return _sent("debtor/promise_sent.html", _case(), Promise, "debtor.promise")


@bp.route("/sag/ring-op", methods=["GET", "POST"])
def callback():
    """ "Ring mig op": the number and the part of the day."""
    case = _case()
    form = forms.CallbackForm()

    def act():
        return answers.request_callback(get_session(), case, phone=form.phone.data, window=form.window.data,
                                        now=utcnow())  # fmt: skip

    return _answer(case, form, "debtor/callback.html", act, "debtor.callback_sent", windows=forms.WINDOW_LABELS)


@bp.get("/sag/ring-op/sendt")
def callback_sent():
    """What happens after "call me"."""
    return _sent("debtor/callback_sent.html", _case(), CallbackRequest, "debtor.callback")


@bp.route("/sag/kontakt", methods=["GET", "POST"])
def contact():
    """New contact details: e-mail, phone or both."""
    case = _case()
    form = forms.ContactForm()

    def act():
        return answers.update_contact(get_session(), case, email=form.email.data, phone=form.phone.data)

    return _answer(case, form, "debtor/contact.html", act, "debtor.contact_sent")


@bp.get("/sag/kontakt/sendt")
def contact_sent():
    """The new contact details reached the creditor."""
    case = _case()
    return render_template("debtor/contact_sent.html", case=case, creditor=case.creditor)
