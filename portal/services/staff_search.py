"""Staff search: one box for case id, external reference, invoice number, debtor name, e-mail or phone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from portal.models import Case, Creditor, Debtor, Invoice, StaffUser
from portal.services.contact import normalise_email, normalise_phone
from portal.services.errors import InvalidInput
from portal.services.staff_cases import scoped

PAGE_SIZE = 25
MIN_NAME_LENGTH = 3  # a trigram index needs three characters to narrow anything down
_PHONE_LIKE = re.compile(r"^\+?[0-9 ()./-]{8,}$")
_CASE_ID = re.compile(r"^cas_[A-Za-z0-9]{6,28}$")


@dataclass(frozen=True)
class SearchPage:
    """One page of matching cases (newest first) and whether another page follows."""

    rows: list[Any]
    page: int
    has_next: bool


def _escape_like(text: str) -> str:
    """Escape LIKE wildcards so the text matches literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _phone(query: str) -> str | None:
    """The query as an E.164 number when it looks like a phone number ('22 33 44 55', '0045 …', '+45…')."""
    if not _PHONE_LIKE.match(query) or sum(char.isdigit() for char in query) < 8:
        return None
    try:
        return normalise_phone(query)
    except InvalidInput:
        return None


def _email(query: str) -> set[str]:
    """The query as typed and in the normal form the debtor's address is stored in."""
    try:
        normal = normalise_email(query)
    except InvalidInput:
        normal = None
    return {query, query.lower(), *([normal] if normal else [])}


def matching_arms(query: str) -> list[Select]:
    """One query of case ids per thing the search text can mean (each is run newest first, with a limit)."""
    by_case = select(Case.id)
    with_debtor = select(Case.id).join(Debtor, Debtor.id == Case.debtor_id)
    if _CASE_ID.match(query):
        return [by_case.where(Case.public_id == query)]
    if "@" in query:
        return [with_debtor.where(Debtor.email.in_(_email(query)))]
    arms = [
        by_case.where(Case.external_id == query),
        select(Case.id).join(Invoice, Invoice.case_id == Case.id).where(Invoice.number == query),
    ]
    phone = _phone(query)
    if phone:
        # A reference made of digits can look like a phone number too, so both are searched.
        arms.append(with_debtor.where(Debtor.phone == phone))
    elif len(query) >= MIN_NAME_LENGTH:
        arms.append(with_debtor.where(Debtor.name.ilike(f"%{_escape_like(query)}%", escape="\\")))
    return arms


def search(session: Session, staff: StaffUser, query: str, *, page: int = 1) -> SearchPage:
    """The cases within the staff user's scope that match the query, a page at a time, newest first.

    Each meaning is its own query with ORDER BY id DESC LIMIT: PostgreSQL then walks the newest cases
    for a common name and uses the trigram index for a rare one, instead of collecting every match.
    """
    query = (query or "").strip()[:200]
    if not query:
        return SearchPage(rows=[], page=1, has_next=False)
    page = max(page, 1)
    wanted = page * PAGE_SIZE + 1
    found: set[int] = set()
    for arm in matching_arms(query):
        arm = scoped(arm, staff, Case.creditor_id).order_by(Case.id.desc()).limit(wanted)
        found.update(session.scalars(arm))
    ids = sorted(found, reverse=True)[(page - 1) * PAGE_SIZE : wanted]
    if not ids:
        return SearchPage(rows=[], page=page, has_next=False)
    statement = (
        select(
            Case.public_id,
            Case.external_id,
            Case.status,
            Case.outstanding,
            Case.currency,
            Debtor.name.label("debtor_name"),
            Debtor.email,
            Debtor.phone,
            Creditor.name.label("creditor_name"),
        )
        .join(Debtor, Debtor.id == Case.debtor_id)
        .join(Creditor, Creditor.id == Case.creditor_id)
        .where(Case.id.in_(ids))
        .order_by(Case.id.desc())
    )
    rows = session.execute(statement).all()
    return SearchPage(rows=list(rows[:PAGE_SIZE]), page=page, has_next=len(rows) > PAGE_SIZE)
