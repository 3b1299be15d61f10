"""The SQLAlchemy models, one module per noun, on one shared Base."""

from portal.models.adjustment import ADJUSTMENT_KINDS, Adjustment
from portal.models.answer import CallbackRequest, Dispute, DisputeFile, PaidReport, Promise
from portal.models.api import ApiKey, IdempotencyRecord
from portal.models.base import Base, utcnow
from portal.models.case import CASE_STATUSES, CLOSED_STATUSES, Case, Fee, Invoice, InvoiceLine
from portal.models.creditor import Creditor
from portal.models.debtor import Debtor
from portal.models.document import RenderedDocument
from portal.models.event import Event
from portal.models.message import MESSAGE_CHANNELS, CaseFlow, Message, MessageFlow, MessageTemplate
from portal.models.outbox import OutboxMessage
from portal.models.payment import (
    ATTEMPT_STATUSES,
    PAYMENT_METHODS,
    UNSETTLED_ATTEMPT_STATUSES,
    Payment,
    PaymentAttempt,
    ProviderEvent,
)
from portal.models.plan import CURRENT_PLAN_STATUSES, PLAN_STATUSES, PaymentPlan
from portal.models.staff import STAFF_ROLES, StaffAudit, StaffRecoveryCode, StaffUser
from portal.models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ADJUSTMENT_KINDS",
    "Adjustment",
    "ApiKey",
    "CallbackRequest",
    "Dispute",
    "DisputeFile",
    "PaidReport",
    "Promise",
    "IdempotencyRecord",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "ATTEMPT_STATUSES",
    "Base",
    "CASE_STATUSES",
    "CLOSED_STATUSES",
    "Case",
    "Creditor",
    "Debtor",
    "Event",
    "CaseFlow",
    "MESSAGE_CHANNELS",
    "Message",
    "MessageFlow",
    "MessageTemplate",
    "Fee",
    "Invoice",
    "InvoiceLine",
    "OutboxMessage",
    "CURRENT_PLAN_STATUSES",
    "PAYMENT_METHODS",
    "PLAN_STATUSES",
    "PaymentPlan",
    "Payment",
    "PaymentAttempt",
    "ProviderEvent",
    "RenderedDocument",
    "STAFF_ROLES",
    "StaffAudit",
    "StaffRecoveryCode",
    "StaffUser",
    "UNSETTLED_ATTEMPT_STATUSES",
    "utcnow",
]
