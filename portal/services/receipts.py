"""Receipts (kvitteringer) for payments: the page and the PDF, in the debtor's language."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import render_template
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from portal.models import Case, Creditor, Debtor, Payment
from portal.services import documents
from portal.services.errors import NotFound

RECEIPT = "receipt"
RECEIPT_TEMPLATE = "pdf/receipt.html"


@dataclass(frozen=True)
class Receipt:
    """A payment with the case, creditor and debtor it belongs to."""

    payment: Payment
    case: Case
    creditor: Creditor
    debtor: Debtor


def load(session: Session, case_id: int, payment_public_id: str) -> Receipt:
    """The receipt for one of the case's payments (one query); NotFound for any other payment."""
    row = session.execute(
        select(Payment, Case, Creditor, Debtor)
        .join(Case, Case.id == Payment.case_id)
        .join(Creditor, Creditor.id == Case.creditor_id)
        .join(Debtor, Debtor.id == Case.debtor_id)
        .options(defer(Creditor.logo))
        .where(Payment.public_id == payment_public_id, Payment.case_id == case_id)
    ).one_or_none()
    if row is None:
        raise NotFound()
    return Receipt(*row)


def receipt_pdf(session: Session, receipt: Receipt) -> bytes:
    """The receipt as a PDF in the current language, rendered again only when something on it changed."""
    locale = str(get_locale())
    payment, creditor = receipt.payment, receipt.creditor
    version = documents.template_version(RECEIPT_TEMPLATE)
    state = [payment.public_id, receipt.case.revision, creditor.revision, locale, version]
    return documents.cached_pdf(
        session,
        case_id=receipt.case.id,
        kind=RECEIPT,
        locale=locale,
        state_key=hashlib.sha256(json.dumps(state).encode()).hexdigest(),
        html=lambda: render_template(
            RECEIPT_TEMPLATE, receipt=receipt, logo=documents.logo_data_uri(session, creditor)
        ),
    )
