"""Message webhooks: SMS delivery receipts from the gateway, and one-click unsubscribes from mailbox providers."""

from __future__ import annotations

import json

from flask import abort, current_app, jsonify, render_template, request
from itsdangerous import BadSignature

from portal.access import public
from portal.db import get_session
from portal.services import links, message_receipts
from portal.services.message_tasks import PURPOSE_UNSUBSCRIBE
from portal.webhooks.blueprint import bp

MAX_BODY_BYTES = 64 * 1024


@bp.post("/sms/<provider>")
@public
def sms_receipt(provider: str):
    """A delivery receipt (one object or a list): 401 unless signed with PORTAL_SMS_CALLBACK_SECRET."""
    secret = current_app.config["SMS_CALLBACK_SECRET"]
    if provider != "http" or not secret:
        abort(404)
    if (request.content_length or 0) > MAX_BODY_BYTES:
        abort(413)
    body = request.get_data(cache=False)
    try:
        message_receipts.verify(secret, body, request.headers.get(message_receipts.SIGNATURE_HEADER))
        data = json.loads(body)
        receipts = data if isinstance(data, list) else [data]
        outcomes = [message_receipts.apply(get_session(), dict(receipt)) for receipt in receipts]
    except (message_receipts.BadReceipt, ValueError, TypeError) as error:
        get_session().rollback()
        current_app.logger.warning("Refused an SMS receipt: %s", error)
        return jsonify(error="invalid receipt"), 400 if not isinstance(error, message_receipts.BadReceipt) else 401
    get_session().commit()
    return jsonify(received=True, outcomes=outcomes)


def _message_id(token: str) -> str:
    """The message an unsubscribe token was signed for; 404 for anything else."""
    config = current_app.config
    signer = links.make_signer(config["SECRET_KEY"], config["SECRET_KEY_FALLBACKS"], purpose=PURPOSE_UNSUBSCRIBE)
    try:
        return signer.unsign(token).decode()
    except (BadSignature, UnicodeDecodeError):
        abort(404)


@bp.get("/email/unsubscribe/<token>")
@public
def email_unsubscribe_page(token: str):
    """A mail client without one-click support opens the link: ask before stopping (a scanner only looks)."""
    _message_id(token)
    return render_template("debtor/unsubscribe.html", done=False)


@bp.post("/email/unsubscribe/<token>")
@public
def email_unsubscribe(token: str):
    """RFC 8058 one-click unsubscribe from a reminder e-mail (the mailbox provider POSTs it, or the page's button).

    No CSRF token: a mailbox provider cannot hold one; the signed token in the path is the authority.
    """
    if not message_receipts.unsubscribe(get_session(), _message_id(token)):
        abort(404)
    get_session().commit()
    return render_template("debtor/unsubscribe.html", done=True)
