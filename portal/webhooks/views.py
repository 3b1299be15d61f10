"""Webhook views: verify the signature on the raw body, apply the event once, commit, answer."""

from __future__ import annotations

from flask import abort, current_app, jsonify, request

from portal import providers
from portal.access import public
from portal.db import get_session
from portal.providers.stripe import InvalidWebhook, StripeProvider
from portal.services import provider_events
from portal.webhooks.blueprint import bp

# Stripe events are a few kilobytes; anything far larger is not one.
MAX_BODY_BYTES = 512 * 1024


@bp.post("/stripe")
@public
def stripe_webhook():
    """A Stripe event: 400 unless signed by a configured secret; 500 (Stripe retries) if applying it fails."""
    provider = providers.current()
    if not isinstance(provider, StripeProvider) or not provider.webhook_secrets:
        abort(404)
    if (request.content_length or 0) > MAX_BODY_BYTES:
        abort(413)
    try:
        event = provider.parse_webhook(request.get_data(cache=False), request.headers.get("Stripe-Signature"))
    except InvalidWebhook as error:
        current_app.logger.warning("Refused a Stripe webhook: %s", error)
        return jsonify(error="invalid signature"), 400
    try:
        outcome = provider_events.handle(get_session(), event)
        get_session().commit()
    except Exception:
        get_session().rollback()
        current_app.logger.exception("Stripe event %s (%s) failed; Stripe will retry", event.id, event.type)
        return jsonify(error="not processed"), 500
    return jsonify(received=True, outcome=outcome)
