"""Creditor details the debtor pages show."""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from portal.models import Creditor


def logo(session: Session | Connection, creditor_public_id: str) -> tuple[bytes, str] | None:
    """The creditor's logo and its content type, or None when it has none."""
    row = session.execute(
        select(Creditor.logo, Creditor.logo_content_type).where(Creditor.public_id == creditor_public_id)
    ).one_or_none()
    if row is None or row.logo is None:
        return None
    return row.logo, row.logo_content_type or "application/octet-stream"
