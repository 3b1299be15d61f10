"""The one-click link: a short signed token over the case's link id and version."""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from itsdangerous import BadSignature, Signer
from sqlalchemy import update
from sqlalchemy.orm import Session

from portal.models import CLOSED_STATUSES, Case, Debtor, Event, utcnow
from portal.services import events, outbox
from portal.services.case_view import Record, find_by_link_id
from portal.services.errors import LinkExpired, LinkInvalid, LinkRevoked, PostcodeMismatch

# One salt per purpose: a token signed for one purpose never opens another.
PURPOSE_CASE_LINK = "betal.case-link"
PATH_PREFIX = "/l/"
_PAYLOAD = re.compile(r"^([A-Za-z0-9]{6,16})\.([0-9]{1,6})$")
# User agents of mail scanners and chat previews that open links nobody clicked.
_SCANNER_HINTS = (
    "bot",
    "crawler",
    "spider",
    "preview",
    "scanner",
    "facebookexternalhit",
    "whatsapp",
    "slack",
    "telegram",
    "skype",
    "discord",
    "microsoft office",
    "outlook",
    "safelinks",
    "barracuda",
    "proofpoint",
    "mimecast",
    "python",
    "curl",
    "wget",
    "go-http-client",
    "java/",
    "headless",
)


def make_signer(secret_key: str, fallbacks: Sequence[str] = (), purpose: str = PURPOSE_CASE_LINK) -> Signer:
    """Return a signer that signs with the current key and still accepts the fallback keys."""
    # itsdangerous wants the keys oldest first and signs with the last one.
    return Signer([*reversed(list(fallbacks)), secret_key], salt=purpose)


def make_token(signer: Signer, case: Case | Record) -> str:
    """Return the token for the case's current link version."""
    return signer.sign(f"{case.link_id}.{case.link_version}").decode()


def link_url(base_url: str, signer: Signer, case: Case | Record) -> str:
    """Return the full one-click URL for the case (fits in an SMS)."""
    return f"{base_url}{PATH_PREFIX}{make_token(signer, case)}"


def resolve_token(
    session: Session, signer: Signer, token: str, *, grace_days: int, now: datetime | None = None
) -> Record:
    """Return the case a token opens, with creditor and debtor loaded, or raise a LinkError."""
    try:
        payload = signer.unsign(token).decode()
    except (BadSignature, UnicodeDecodeError) as exc:
        raise LinkInvalid() from exc
    match = _PAYLOAD.match(payload)
    if match is None:
        raise LinkInvalid()
    link_id, version = match[1], int(match[2])
    case = find_by_link_id(session, link_id)
    if case is None:
        raise LinkInvalid()
    if version != case.link_version:
        raise LinkRevoked(case=case)
    check_not_expired(case, grace_days=grace_days, now=now)
    return case


def check_not_expired(case: Record, *, grace_days: int, now: datetime | None = None) -> None:
    """Raise LinkExpired once a closed case is past its grace period (the receipt stays reachable until then)."""
    closed = case.status in CLOSED_STATUSES and case.closed_at is not None
    if closed and (now or utcnow()) > case.closed_at + timedelta(days=grace_days):
        raise LinkExpired(case=case)


def looks_like_scanner(user_agent: str) -> bool:
    """Guess whether a fetch came from a mail scanner or a link preview rather than a person."""
    agent = user_agent.lower()
    return not agent or any(hint in agent for hint in _SCANNER_HINTS)


def _record_once(session: Session, case: Record, column: str, type_: str, data: dict) -> Event | None:
    """Move a per-link-version marker column up to the current version and record the event, exactly once.

    The conditional UPDATE lets only one of several concurrent requests through, on SQLite and PostgreSQL.
    """
    if getattr(case, column) >= case.link_version:
        return None
    marker = getattr(Case, column)
    claimed = session.execute(
        update(Case)
        .where(Case.id == case.id, marker < case.link_version)
        .values({marker: case.link_version})
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return None
    data = {"link_version": case.link_version, **data}
    return events.record(session, case, type_, actor=events.ACTOR_DEBTOR, data=data)


def record_fetch(session: Session, case: Record, *, user_agent: str) -> bool:
    """Record fetch telemetry the first time a link version is fetched; later fetches write nothing."""
    data = {"maybe_scanner": looks_like_scanner(user_agent)}
    return _record_once(session, case, "link_fetched_version", "link.fetched", data) is not None


def engage(session: Session, case: Record) -> bool:
    """Record link.engaged once per link version, however often Fortsæt is pressed, and queue the creditor's webhook."""
    event = _record_once(session, case, "link_engaged_version", "link.engaged", {})
    if event is None:
        return False
    outbox.enqueue(session, case, event, {"link": {"version": case.link_version}})
    return True


def normalise_postcode(value: str) -> str:
    """Keep only the digits and letters of a postcode, so '8000 ' and '8 000' match."""
    return re.sub(r"[^0-9A-Za-z]", "", value or "").upper()


def check_postcode(debtor: Debtor, given: str) -> None:
    """Raise PostcodeMismatch unless the postcode matches the debtor's (in constant time)."""
    expected = normalise_postcode(debtor.postcode or "")
    if not expected or not hmac.compare_digest(expected, normalise_postcode(given)):
        raise PostcodeMismatch()


def revoke(session: Session, case: Case, *, actor: str) -> None:
    """Invalidate every link and debtor session of the case by bumping the link version."""
    case.link_version += 1
    events.record(session, case, "link.revoked", actor=actor, data={"link_version": case.link_version})
