"""Debtor views: parse, call one service, commit, respond."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import Response, abort, current_app, g, make_response, redirect, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf

from portal import stampcache
from portal.access import public
from portal.db import get_read_connection, get_session
from portal.debtor.blueprint import SESSION_CASE, SESSION_LINK_VERSION, SESSION_REVISION, bp
from portal.debtor.forms import ContinueForm, LanguageForm, PostcodeForm
from portal.i18n import LANG_COOKIE, LANG_COOKIE_MAX_AGE, select_locale, supported
from portal.pagecache import SESSION_FORM_TOKEN, render_cached
from portal.ratelimit import client_address, hit, limited
from portal.services import case_view, creditors, documents, links
from portal.services.case_view import CaseView, Record
from portal.services.errors import PostcodeMismatch
from portal.services.fik import fi_payment_line

ACCESSIBILITY_STATEMENT_REVIEWED = date(2026, 11, 22)


def link_rate_key() -> str:
    """Count link requests per client address and link, so one link cannot be hammered."""
    token = (request.view_args or {}).get("token", "")
    return f"{client_address()}|{token.split('.', 1)[0]}"


def _signer():
    """The case-link signer with the current key and its fallbacks."""
    return links.make_signer(current_app.config["SECRET_KEY"], current_app.config["SECRET_KEY_FALLBACKS"])


def _resolve(token: str) -> Record:
    """Resolve a token to its case (LinkError is rendered by the blueprint) and speak the debtor's language."""
    case = links.resolve_token(get_session(), _signer(), token, grace_days=current_app.config["LINK_GRACE_DAYS"])
    g.debtor_locale = case.debtor.locale
    return case


def _landing(case: Record, form, status: int = 200):
    """Render the neutral landing page: creditor brand, no debtor name, no amounts."""
    return render_template("debtor/landing.html", creditor=case.creditor, form=form), status


@bp.route("/l/<token>", methods=["GET", "HEAD"])
@public
@limited("LINK_RATE_LIMIT", key=link_rate_key)
def landing(token: str):
    """Show the neutral page with Fortsæt; a GET records fetch telemetry only, a HEAD nothing."""
    case = _resolve(token)
    if request.method == "GET" and links.record_fetch(get_session(), case, user_agent=request.user_agent.string):
        get_session().commit()
    form = PostcodeForm() if case.creditor.require_postcode else ContinueForm()
    return _landing(case, form)


@bp.post("/l/<token>")
@public
@limited("LINK_RATE_LIMIT", key=link_rate_key)
def engage(token: str):
    """Exchange the token for a debtor session, record link.engaged once, and go to the clean URL."""
    case = _resolve(token)
    form = PostcodeForm() if case.creditor.require_postcode else ContinueForm()
    if not form.validate_on_submit():
        return _landing(case, form, 422)
    if case.creditor.require_postcode:
        _count_postcode_attempt(case)
        try:
            links.check_postcode(case.debtor, form.postcode.data)
        except PostcodeMismatch as error:
            form.postcode.errors = [error.reason]
            return _landing(case, form, 422)
    links.engage(get_session(), case)
    get_session().commit()
    _start_debtor_session(case)
    return redirect(url_for("debtor.case_page"), 303)


def _count_postcode_attempt(case: Record) -> None:
    """Allow only a few postcode attempts per link, whoever makes them."""
    hit(current_app.config["POSTCODE_RATE_LIMIT"], "postcode", case.link_id)


def _start_debtor_session(case: Record) -> None:
    """Replace whatever session the browser had with one for this case."""
    session.clear()
    session.permanent = True
    session[SESSION_CASE] = case.public_id
    session[SESSION_LINK_VERSION] = case.link_version
    session["locale"] = case.debtor.locale
    # A fresh form token now (the old one went with the old session): viewing the case then never
    # rewrites the session cookie nor signs a token per view.
    g.pop(current_app.config["WTF_CSRF_FIELD_NAME"], None)
    session[SESSION_FORM_TOKEN] = generate_csrf()


def _load_case() -> Record:
    """Load the session's case; a revoked or expired link ends the session."""
    min_revision = session.get(SESSION_REVISION, 0)
    case = stampcache.load_case(g.case_public_id, link_version=g.link_version, min_revision=min_revision)
    links.check_not_expired(case, grace_days=current_app.config["LINK_GRACE_DAYS"])
    return case


@bp.get("/sag")
def case_page():
    """The case: what is owed, why, and what the debtor can do (rendered once per case revision)."""
    case = _load_case()
    key = ("case_page", case.id, case.revision, case.creditor.revision, select_locale())
    return render_cached(key, lambda: _render_case_page(case_view.load_details(get_read_connection(), case)))


def _render_case_page(view: CaseView) -> str:
    """Render the case page for the cache."""
    fi_line = fi_payment_line(view.creditor.fi_creditor_number, view.case.external_id)
    return render_template("debtor/case.html", view=view, fi_line=fi_line)


@bp.get("/sag/oversigt.pdf")
def overview_pdf():
    """The case overview as a PDF in the debtor's language, rendered once per case state."""
    pdf = documents.overview_pdf(get_session(), case_view.load_details(get_read_connection(), _load_case()))
    get_session().commit()
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = 'attachment; filename="oversigt.pdf"'
    return response


@bp.post("/sag/afslut")
def end_session():
    """Forget the case in this browser (a shared phone or computer); CSRF was checked globally."""
    session.clear()
    return render_template("debtor/goodbye.html")


@bp.post("/sprog")
@public
def switch_language():
    """Remember the chosen language and go back to the page the debtor was on."""
    form = LanguageForm()
    lang = supported(form.lang.data) if form.validate_on_submit() else None
    response = redirect(_local_path(form.next.data) or url_for("debtor.accessibility"), 303)
    if lang:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=LANG_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def _local_path(target: str | None) -> str | None:
    """target if it is a path on this site, else None (no open redirects, however disguised)."""
    if not target or "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/tilgaengelighed")
@public
def accessibility():
    """The accessibility statement (tilgængelighedserklæring)."""
    return render_template(
        "debtor/accessibility.html",
        accessibility_email=current_app.config["ACCESSIBILITY_EMAIL"],
        statement_date=ACCESSIBILITY_STATEMENT_REVIEWED,
    )


@bp.get("/brand/<creditor_id>/logo")
@public
def logo(creditor_id: str):
    """A creditor's logo; public by nature and cacheable."""
    found = creditors.logo(get_read_connection(), creditor_id)
    if found is None:
        abort(404)
    response = Response(found[0], mimetype=found[1])
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
