"""The debtor blueprint object, its access rule and its error pages."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request, session

from portal.access import is_public
from portal.db import get_read_connection
from portal.services import case_view, revisions
from portal.services.errors import LinkError, NotFound

bp = Blueprint("debtor", __name__)

SESSION_CASE = "case"
SESSION_LINK_VERSION = "lv"
SESSION_REVISION = "rev"  # the case revision the debtor's own last change produced (read-your-writes)


@bp.before_request
def require_case_session():
    """Access rule: every non-public debtor page needs a case in the debtor session."""
    if is_public(current_app, request.endpoint):
        return None
    case_id = session.get(SESSION_CASE)
    if not case_id:
        return render_template("debtor/no_session.html"), 403
    g.case_public_id = case_id
    g.link_version = session.get(SESSION_LINK_VERSION)
    return None


@bp.after_request
def remember_own_change(response):
    """After a request that changed the debtor's case, no worker may show them an older revision."""
    changed = g.db_session.info.get(revisions.COMMITTED) if "db_session" in g else None
    revision = changed.get(session.get(SESSION_CASE)) if changed else None
    if revision is not None and revision > session.get(SESSION_REVISION, 0):
        session[SESSION_REVISION] = revision
    return response


@bp.errorhandler(LinkError)
def link_error(error: LinkError):
    """A link or session that cannot open its case: a kind page without any case data."""
    session.pop(SESSION_CASE, None)
    session.pop(SESSION_LINK_VERSION, None)
    if error.case is None:
        return render_template("debtor/link_error.html", reason=error.reason, creditor=None), 404
    # A genuine but outdated link: say whom to ask for a new one.
    creditor = case_view.find_creditor(get_read_connection(), error.case.creditor_id)
    return render_template("debtor/link_error.html", reason=error.reason, creditor=creditor), 410


@bp.errorhandler(NotFound)
def not_found(_error: NotFound):
    """A session for a case that no longer exists behaves like no session."""
    session.clear()
    return render_template("debtor/no_session.html"), 403
