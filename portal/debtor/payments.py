"""Debtor payment pages: pay now, the provider's checkout (or the demo's test page), the result, the receipt."""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import format_decimal
from flask import abort, current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import providers
from portal.db import get_read_connection, get_session
from portal.debtor.blueprint import bp
from portal.debtor.forms import DemoCheckoutForm, PayForm, parse_kroner
from portal.i18n import money, select_locale
from portal.models import Case, PaymentAttempt, utcnow
from portal.providers.base import ProviderError
from portal.providers.demo import DemoProvider, outcome_event
from portal.services import attempts, case_view, ledger, links, payment_policy, provider_events, receipts
from portal.services.errors import (
    AttemptClosed,
    InvalidInput,
    NotFound,
    NothingToPay,
    PaymentBusy,
    PaymentInProgress,
)
from portal.services.policy import effective

# Claiming retries when another tab replaced the attempt in between; more than this and we ask to try again.
CLAIM_TRIES = 3
_STRIPE_SESSION_ID = re.compile(r"^cs_[A-Za-z0-9_]{1,250}$")

bp.add_app_template_global(payment_policy.methods, "payment_methods")
bp.add_app_template_global(payment_policy.partial_minimum, "partial_payment_minimum")


@bp.app_template_global()
def case_policy(case) -> object:
    """A case's effective policy (the creditor's with the case's overrides), for templates."""
    return effective(case.creditor.policy, case.policy)


@bp.app_template_global()
def method_label(method: str) -> str:
    """The debtor-facing name of a payment method."""
    return str(payment_policy.METHOD_LABELS.get(method, method))


def session_case() -> Case:
    """The session's case with its creditor, after the same link checks as the case page."""
    stamp = case_view.load_case(get_read_connection(), g.case_public_id, link_version=g.link_version)
    links.check_not_expired(stamp, grace_days=current_app.config["LINK_GRACE_DAYS"])
    return attempts.case_with_creditor(get_session(), stamp.id)


def _attempt(case: Case, attempt_id: str) -> PaymentAttempt:
    """One of the session case's attempts; any other id is simply not found (the session stays)."""
    try:
        return attempts.for_case(get_session(), case, attempt_id)
    except NotFound:
        abort(404)


def _receipt(payment_id: str) -> receipts.Receipt:
    """The receipt for one of the session case's payments; any other id is simply not found."""
    try:
        return receipts.load(get_session(), session_case().id, payment_id)
    except NotFound:
        abort(404)


def _kroner(amount: int) -> str:
    """An amount in øre as kroner for an input field, e.g. 1.234,50 (Danish) or 1,234.50 (English)."""
    return format_decimal(Decimal(amount).scaleb(-2), format="#,##0.00", locale=select_locale())


def _render_pay(case: Case, form: PayForm, status: int = 200):
    """The pay page: the amount (editable where part payments are allowed) and one button per method."""
    minimum = payment_policy.partial_minimum(case_policy(case), case.outstanding)
    return render_template("debtor/pay.html", case=case, creditor=case.creditor, form=form, minimum=minimum), status


@bp.get("/sag/betal")
def pay_page():
    """The pay form on its own page (the case page links here when a smaller amount may be paid)."""
    case = session_case()
    if case.status != "open" or case.outstanding <= 0:
        return redirect(url_for("debtor.case_page"), 303)
    return _render_pay(case, PayForm(formdata=None, amount=_kroner(case.outstanding), expected=case.outstanding))


@bp.post("/sag/betal")
def pay():
    """Claim the case's payment attempt for this amount and method and send the debtor to its checkout."""
    case = session_case()
    form = PayForm()
    amount = _chosen_amount(case, form) if form.validate_on_submit() else None
    if amount is None:
        return _render_pay(case, form, 422)
    try:
        attempt = _claim(case, amount, form.method.data)
    except ProviderError as error:
        return _unavailable(case, error, url_for("debtor.pay"), form)
    return _to_checkout(attempt, case)


def _chosen_amount(case: Case, form: PayForm) -> int | None:
    """The amount to charge in øre, or None with the reason on the form."""
    if case.status != "open" or case.outstanding <= 0:
        raise NothingToPay()
    if form.installment.data is not None:
        return _installment_amount(case, form)
    minimum = payment_policy.partial_minimum(case_policy(case), case.outstanding)
    if minimum is not None and form.amount.data:
        amount = parse_kroner(form.amount.data, select_locale())
        if amount is None or not minimum <= amount <= case.outstanding:
            bounds = {"minimum": money(minimum, case.currency), "maximum": money(case.outstanding, case.currency)}
            form.amount.errors = [_("Type an amount from %(minimum)s to %(maximum)s to continue.", **bounds)]
            return None
        return amount
    if form.expected.data is not None and form.expected.data != case.outstanding:
        form.form_errors.append(_("The amount to pay has changed. Please check it and try again."))
        return None
    return case.outstanding


def _installment_amount(case: Case, form: PayForm) -> int | None:
    """What is due on the payment plan's next instalment, when it is still what the page showed."""
    due = attempts.installment_due(get_session(), case.id)
    if due is None or due != form.installment.data:
        form.form_errors.append(_("The amount to pay has changed. Please check it and try again."))
        return None
    return due


def _claim(case: Case, amount: int, method: str) -> PaymentAttempt:
    """The attempt to pay with; the case's other open attempt is expired at the provider first."""
    provider = providers.current()
    for _try in range(CLAIM_TRIES):
        claim = attempts.claim(
            get_session(), case, amount=amount, method=method, provider=provider.name, locale=select_locale()
        )
        get_session().commit()
        if claim.ready:
            return claim.attempt
        released = attempts.release(get_session(), provider, claim.attempt)
        get_session().commit()
        if released.status in ("paid", "pending"):
            raise PaymentInProgress(released)
    raise PaymentBusy()


def _to_checkout(attempt: PaymentAttempt, case: Case):
    """Redirect to the attempt's checkout session (created now if need be); a provider failure offers a retry."""
    base = current_app.config["BASE_URL"]
    status_path = url_for("debtor.payment_status", attempt_id=attempt.public_id)
    checkout = attempts.checkout_request(
        attempt,
        case,
        success_url=f"{base}{status_path}?session_id={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{base}{url_for('debtor.case_page')}",
    )
    try:
        url = attempts.open_checkout(get_session(), providers.current(), attempt, checkout)
    except ProviderError as error:
        return _unavailable(case, error, url_for("debtor.resume_payment", attempt_id=attempt.public_id))
    get_session().commit()
    return redirect(url, 303)


def _unavailable(case: Case, error: ProviderError, retry_url: str, form: PayForm | None = None):
    """The provider could not be reached: nothing was charged; the retry repeats the same request."""
    get_session().rollback()
    current_app.logger.warning("Payment provider failed: %s", error)
    return render_template("debtor/pay_unavailable.html", creditor=case.creditor, retry_url=retry_url, form=form), 503


@bp.post("/sag/betaling/<attempt_id>/fortsaet")
def resume_payment(attempt_id: str):
    """Go (back) to an open attempt's checkout; after a provider failure this retries with the same key."""
    case = session_case()
    return _to_checkout(_attempt(case, attempt_id), case)


@bp.get("/sag/betaling/<attempt_id>")
def payment_status(attempt_id: str):
    """The result of an attempt (the provider's success URL): paid, waiting, failed or cancelled."""
    case = session_case()
    attempt = _attempt(case, attempt_id)
    hint = request.args.get("session_id", "")
    session_id = hint if _STRIPE_SESSION_ID.match(hint) else None
    attempts.refresh(get_session(), providers.current(), attempt, session_id=session_id)
    get_session().commit()
    payment = attempts.payment_of(get_session(), attempt) if attempt.status == "paid" else None
    return render_template(
        "debtor/payment_status.html", case=case, creditor=case.creditor, attempt=attempt, payment=payment
    )


def _demo_attempt(case: Case, attempt_id: str) -> PaymentAttempt:
    """An attempt on the demo provider's test page (404 when the portal does not run the demo)."""
    attempt = _attempt(case, attempt_id)
    if not isinstance(providers.current(), DemoProvider) or attempt.provider != DemoProvider.name:
        abort(404)
    if attempt.status == "open" and attempt.expires_at <= utcnow():
        ledger.settle_attempt(get_session(), attempt, "expired", actor=DemoProvider.name)
        get_session().commit()
    if attempt.status != "open" or not attempt.provider_session_id:
        raise AttemptClosed(attempt)
    return attempt


@bp.route("/sag/betaling/<attempt_id>/demo", methods=["GET", "POST"])
def demo_checkout(attempt_id: str):
    """The demo provider's clearly marked test checkout: approve or decline; its outcome is a provider event."""
    case = session_case()
    attempt = _demo_attempt(case, attempt_id)
    form = DemoCheckoutForm()
    if not form.validate_on_submit():
        context = {"case": case, "creditor": case.creditor, "attempt": attempt, "form": form}
        return render_template("debtor/demo_checkout.html", **context)
    event = outcome_event(
        attempt_id=attempt.public_id,
        case_id=case.public_id,
        session_id=attempt.provider_session_id,
        amount=attempt.amount,
        currency=attempt.currency,
        method=attempt.method,
        approved=form.decision.data == "approve",
    )
    provider_events.handle(get_session(), event)
    get_session().commit()
    return redirect(url_for("debtor.payment_status", attempt_id=attempt.public_id), 303)


@bp.get("/sag/kvittering/<payment_id>")
def receipt(payment_id: str):
    """The receipt for one of the case's payments."""
    found = _receipt(payment_id)
    return render_template("debtor/receipt.html", receipt=found, creditor=found.creditor)


@bp.get("/sag/kvittering/<payment_id>.pdf")
def receipt_pdf(payment_id: str):
    """The receipt as a PDF in the page's language."""
    pdf = receipts.receipt_pdf(get_session(), _receipt(payment_id))
    get_session().commit()
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="kvittering-{payment_id}.pdf"'
    return response


@bp.errorhandler(PaymentInProgress)
@bp.errorhandler(AttemptClosed)
def show_attempt(error: PaymentInProgress | AttemptClosed):
    """A payment already paid, waiting or ended: show its result instead of starting another."""
    return redirect(url_for("debtor.payment_status", attempt_id=error.attempt.public_id), 303)


@bp.errorhandler(NothingToPay)
def nothing_to_pay(_error: NothingToPay):
    """The case owes nothing (paid meanwhile, or closed): the case page says so."""
    return redirect(url_for("debtor.case_page"), 303)


@bp.errorhandler(PaymentBusy)
@bp.errorhandler(InvalidInput)
def payment_refused(error: PaymentBusy | InvalidInput):
    """A payment that cannot start as asked: say why, kindly."""
    detail = error.message if isinstance(error, InvalidInput) else error.reason
    return render_template("errors/error.html", status=409, title=_("The payment could not start"), detail=detail), 409
