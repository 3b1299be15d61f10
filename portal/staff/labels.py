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
    "payment_plan.requested": _l("Payment plan requested"),
    "payment_plan.approved": _l("Payment plan approved"),
    "payment_plan.rejected": _l("Payment plan rejected"),
    "payment_plan.installment_paid": _l("Instalment paid"),
    "payment_plan.defaulted": _l("Payment plan defaulted (an instalment was missed)"),
    "payment_plan.completed": _l("Payment plan completed"),
    "payment_plan.cancelled": _l("Payment plan cancelled"),
    "note.added": _l("Note"),
    "nudges.paused": _l("Reminders paused by staff"),
    "nudges.resumed": _l("Reminders resumed by staff"),
    "payment.started": _l("Payment started"),
    "dispute.opened": _l("Dispute opened by the debtor"),
    "dispute.resolved": _l("Dispute resolved"),
    "promise.created": _l("Promise to pay"),
    "promise.broken": _l("Promise to pay broken"),
    "already_paid.reported": _l("Debtor reports having paid"),
    "callback.requested": _l("Debtor asks to be called"),
    "contact.updated": _l("Debtor updated contact details"),
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
    "webhook.replayed": _l("Sent a webhook again"),
    "nudges.paused": _l("Paused the reminders"),
    "nudges.resumed": _l("Resumed the reminders"),
    "dispute_file.downloaded": _l("Downloaded a dispute evidence file"),
    "link.sent": _l("Sent the link to the debtor"),
    "plan.approved": _l("Approved a payment plan"),
    "plan.rejected": _l("Rejected a payment plan"),
    "dispute.resolved": _l("Resolved a dispute"),
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
# Codes of the debtor's answers (reasons, channels, time windows, statuses) as staff read them.
ANSWER_LABELS = {
    "already_paid": _l("already paid"),
    "wrong_amount": _l("wrong amount"),
    "product_or_service": _l("problem with the product or service"),
    "not_my_debt": _l("not the debtor's debt"),
    "other": _l("other"),
    "bank_transfer": _l("bank transfer"),
    "fi_card": _l("FI card"),
    "betalingsservice": _l("Betalingsservice"),
    "morning": _l("morning (8–12)"),
    "midday": _l("midday (12–15)"),
    "afternoon": _l("afternoon (15–18)"),
    "any": _l("any time"),
    "requested": _l("waiting for a decision"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "defaulted": _l("defaulted"),
    "completed": _l("completed"),
    "cancelled": _l("cancelled"),
    "open": _l("open"),
    "resolved": _l("resolved"),
    "accepted": _l("accepted"),
    "adjusted": _l("adjusted"),
    "active": _l("active"),
    "kept": _l("kept"),
    "broken": _l("broken"),
}

PAUSE_LABELS = {
    "plan": _l("on a payment plan"),
    "dispute": _l("disputed"),
    "promise": _l("promised to pay"),
    "already_paid": _l("reported as already paid"),
    "staff": _l("paused by staff"),
}


def answer_label(code: str | None) -> str:
    """The staff name of an answer's reason, channel, time window or status."""
    return str(ANSWER_LABELS.get(code, code or "–"))


def pause_label(reason: str) -> str:
    """Why a case's reminders are paused."""
    return str(PAUSE_LABELS.get(reason, reason))


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
        "pause_label": pause_label,
        "answer_label": answer_label,
    }
