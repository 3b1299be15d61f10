"""Staff-facing names of timeline events, audit actions and webhook statuses, for the templates."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.staff.blueprint import bp

EVENT_LABELS = {
    "case.created": _l("Case created"),
    "case.adjusted": _l("Amount adjusted by the creditor"),
    "case.paid": _l("Case paid in full"),
    "case.cancelled": _l("Case cancelled"),
    "case.closed": _l("Case closed"),
    "link.fetched": _l("Link fetched"),
    "link.engaged": _l("Link opened with Fortsæt"),
    "link.revoked": _l("Link revoked and reissued"),
    "message.sent": _l("Message sent"),
    "message.requested": _l("Link sent on request"),
    "message.failed": _l("Message not delivered"),
    "message.delivered": _l("Message delivered"),
    "message.unsubscribed": _l("Reminder e-mails turned off by the debtor"),
    "case.handover": _l("Handed over to the formal reminder"),
    "payment.pending": _l("Payment pending"),
    "payment.succeeded": _l("Payment received"),
    "payment.failed": _l("Payment failed"),
    "payment.expired": _l("Payment expired"),
    "payment.cancelled": _l("Payment cancelled"),
    "payment.overpaid": _l("Overpayment"),
    "payment.refunded": _l("Payment refunded"),
    "payment.disputed": _l("Payment disputed by the bank"),
    "note.added": _l("Note"),
    "payment.started": _l("Payment started"),
}
ACTOR_LABELS = {
    "debtor": _l("the debtor"),
    "system": _l("the portal"),
    "api": _l("the creditor (API)"),
    "import": _l("the creditor (import)"),
    "demo": _l("the demo"),
}
AUDIT_LABELS = {
    "case.viewed": _l("Viewed the case"),
    "link.reissued": _l("Revoked and reissued the link"),
    "note.added": _l("Added a note"),
    "payment.registered": _l("Registered a payment"),
    "audit.exported": _l("Exported the audit trail"),
    "staff.login": _l("Logged in"),
    "staff.logout": _l("Logged out"),
    "staff.enrolled": _l("Set up two-factor login"),
}
DELIVERY_LABELS = {
    "pending": _l("waiting"),
    "sent": _l("sent"),
    "succeeded": _l("delivered"),
    "failed": _l("failed"),
    "cancelled": _l("cancelled"),
}


def event_label(type_: str) -> str:
    """The name of a timeline event type (unknown types show as they are)."""
    return str(EVENT_LABELS.get(type_, type_))


def actor_label(actor: str) -> str:
    """Who did something on the timeline (staff e-mail addresses and providers show as they are)."""
    return str(ACTOR_LABELS.get(actor, actor))


def audit_label(action: str) -> str:
    """The name of an audit action."""
    return str(AUDIT_LABELS.get(action, action))


def delivery_label(status: str) -> str:
    """The name of a webhook message or delivery status."""
    return str(DELIVERY_LABELS.get(status, status))


@bp.context_processor
def label_helpers() -> dict:
    """Make the label functions available in the staff templates."""
    return {
        "event_label": event_label,
        "actor_label": actor_label,
        "audit_label": audit_label,
        "delivery_label": delivery_label,
    }
