"""The SQLAlchemy models, one module per noun, on one shared Base."""

from portal.models.base import Base, utcnow
from portal.models.case import CASE_STATUSES, CLOSED_STATUSES, Case, Fee, Invoice, InvoiceLine
from portal.models.creditor import Creditor
from portal.models.debtor import Debtor
from portal.models.document import RenderedDocument
from portal.models.event import Event
from portal.models.payment import Payment

__all__ = [
    "Base",
    "CASE_STATUSES",
    "CLOSED_STATUSES",
    "Case",
    "Creditor",
    "Debtor",
    "Event",
    "Fee",
    "Invoice",
    "InvoiceLine",
    "Payment",
    "RenderedDocument",
    "utcnow",
]
