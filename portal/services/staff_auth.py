"""Staff sign-in: argon2id passwords, TOTP with replay protection, recovery codes, lockout and session stamps.

Every failure of the password step gives the same answer, whether the e-mail is unknown, the password
wrong or the account locked, and costs the same work (an unknown e-mail verifies a dummy hash).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.models import STAFF_ROLES, Creditor, StaffRecoveryCode, StaffUser, utcnow
from portal.models.staff import new_session_stamp
from portal.services.errors import DomainError, InvalidInput

# argon2id at the OWASP / ASVS 5.0 Appendix C baseline: 19 MiB memory, 2 iterations, 1 lane.
# Hashes made with weaker parameters are upgraded at the next successful login.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_PASSWORD_LENGTH = 12
LOCKOUT_FAILURES = 5
LOCKOUT_MINUTES = 15
TOTP_WINDOW = 1  # one 30-second step either side, for clocks a little off
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
ISSUER = "Betal"


class LoginFailed(DomainError):
    """The e-mail, password or code was not accepted (the same words for every reason)."""

    reason = _l("The e-mail address or password is wrong, or the account is locked for a while. Try again later.")


class CodeRejected(DomainError):
    """The authenticator or recovery code was wrong, already used or expired."""

    reason = _l("The code is wrong or has already been used. Type the newest code from your app.")


@cache
def _dummy_hash() -> str:
    """A hash to verify against when the e-mail is unknown, so both cases cost the same."""
    return HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """Hash a password with argon2id (salted, parameters embedded in the hash)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        message = _l("Use at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
        raise InvalidInput(field="password", message=message)
    return HASHER.hash(password)


def _verify(stored: str, password: str) -> bool:
    """Whether the password matches the stored hash (never raises for a wrong one)."""
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def create_staff(
    session: Session, email: str, password: str, *, role: str, creditor: Creditor | None = None
) -> StaffUser:
    """Add a staff account; TOTP enrolment happens at its first login."""
    if role not in STAFF_ROLES:
        raise InvalidInput(field="role", message=_l("Choose agent or admin."))
    address = email.strip().lower()
    if "@" not in address or session.scalar(select(StaffUser.id).where(StaffUser.email == address)):
        raise InvalidInput(field="email", message=_l("Type an e-mail address that has no account yet."))
    user = StaffUser(
        email=address, role=role, creditor_id=creditor.id if creditor else None, password_hash=hash_password(password)
    )
    session.add(user)
    session.flush()
    return user


def _record_failure(user: StaffUser, now: datetime) -> None:
    """Count a failed attempt; enough of them in a row lock the account for a while."""
    user.failed_logins += 1
    if user.failed_logins >= LOCKOUT_FAILURES:
        user.locked_until = now + timedelta(minutes=LOCKOUT_MINUTES)
        user.failed_logins = 0


def is_locked(user: StaffUser, now: datetime) -> bool:
    """Whether the account is locked out right now."""
    return user.locked_until is not None and user.locked_until > now


def check_password(session: Session, email: str, password: str, *, now: datetime | None = None) -> StaffUser:
    """The account whose password this is, or LoginFailed (unknown, wrong and locked look alike)."""
    now = now or utcnow()
    user = session.scalars(select(StaffUser).where(StaffUser.email == email.strip().lower())).one_or_none()
    if user is None:
        _verify(_dummy_hash(), password)
        raise LoginFailed()
    matches = _verify(user.password_hash, password)
    if is_locked(user, now):
        raise LoginFailed()
    if not matches:
        _record_failure(user, now)
        raise LoginFailed()
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    return user


def _totp(user: StaffUser) -> pyotp.TOTP:
    """The user's TOTP generator (30-second steps, 6 digits, SHA-1 as every authenticator app expects)."""
    return pyotp.TOTP(user.totp_secret or "")


def _matching_step(user: StaffUser, code: str, now: datetime) -> int | None:
    """The time step whose code this is (within the window), or None."""
    totp = _totp(user)
    current = totp.timecode(now)
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_step(session: Session, user: StaffUser, step: int) -> bool:
    """Claim a time step once: a conditional UPDATE, so two requests with one code cannot both pass."""
    claimed = session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id, StaffUser.totp_last_step < step)
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed:
        user.totp_last_step = step
    return bool(claimed)


def hash_recovery_code(code: str) -> str:
    """The stored form of a recovery code (random and long enough for a plain SHA-256)."""
    normalised = code.strip().lower().replace(" ", "").replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def _use_recovery_code(session: Session, user: StaffUser, code: str, now: datetime) -> bool:
    """Spend a recovery code once; say whether it was a valid unused one."""
    used = session.execute(
        update(StaffRecoveryCode)
        .where(
            StaffRecoveryCode.staff_user_id == user.id,
            StaffRecoveryCode.code_hash == hash_recovery_code(code),
            StaffRecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(used)


def check_second_factor(session: Session, user: StaffUser, code: str, *, now: datetime | None = None) -> str:
    """Accept a fresh TOTP code or an unused recovery code; say which ('totp' or 'recovery'), else CodeRejected."""
    now = now or utcnow()
    if is_locked(user, now):
        raise LoginFailed()
    digits = code.strip().replace(" ", "")
    if digits.isdigit():
        step = _matching_step(user, digits, now)
        if step is not None and _use_step(session, user, step):
            return _succeeded(user, now, "totp")
    elif digits and _use_recovery_code(session, user, digits, now):
        return _succeeded(user, now, "recovery")
    _record_failure(user, now)
    raise CodeRejected()


def _succeeded(user: StaffUser, now: datetime, method: str) -> str:
    """Reset the failure count after a complete login."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return method


def start_enrolment(user: StaffUser) -> str:
    """Give the account a TOTP secret unless it has one waiting for confirmation; return it."""
    if user.totp_secret is None or user.totp_confirmed_at is None:
        user.totp_secret = user.totp_secret or pyotp.random_base32(32)
    return user.totp_secret


def provisioning_uri(user: StaffUser) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return _totp(user).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """The QR code of an enrolment URI as an SVG data URI, made on the server (no third party sees it)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#000", light="#fff", border=4)


def new_recovery_codes(session: Session, user: StaffUser) -> list[str]:
    """Replace the account's recovery codes with new ones; return them in clear text, to show once."""
    session.execute(
        update(StaffRecoveryCode)
        .where(StaffRecoveryCode.staff_user_id == user.id, StaffRecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(StaffRecoveryCode(staff_user_id=user.id, code_hash=hash_recovery_code(raw)))
    return codes


def confirm_enrolment(session: Session, user: StaffUser, code: str, *, now: datetime | None = None) -> list[str]:
    """Confirm the authenticator app with a first code; return fresh recovery codes, or CodeRejected."""
    now = now or utcnow()
    if is_locked(user, now):
        raise LoginFailed()
    step = _matching_step(user, code.strip().replace(" ", ""), now) if user.totp_secret else None
    if step is None or not _use_step(session, user, step):
        _record_failure(user, now)
        raise CodeRejected()
    user.totp_confirmed_at = now
    _succeeded(user, now, "totp")
    return new_recovery_codes(session, user)


@dataclass(frozen=True)
class SessionLimits:
    """How long a staff session may sit idle and how long it may last at most."""

    idle: timedelta
    absolute: timedelta


def load_signed_in(
    session: Session, public_id: str, stamp: str, *, started: float, seen: float, limits: SessionLimits, now: datetime
) -> StaffUser | None:
    """The staff user of a session that is still valid (stamp matches, not idle, not too old), else None."""
    moment = now.timestamp()
    if moment - seen > limits.idle.total_seconds() or moment - started > limits.absolute.total_seconds():
        return None
    user = session.scalars(select(StaffUser).where(StaffUser.public_id == public_id)).one_or_none()
    if user is None or not hmac.compare_digest(user.session_stamp, stamp) or user.totp_confirmed_at is None:
        return None
    return user


def end_sessions(user: StaffUser) -> None:
    """End every session of the user at once (logout): old cookies no longer match the new stamp."""
    user.session_stamp = new_session_stamp()


def find_pending(session: Session, public_id: str | None) -> StaffUser | None:
    """The account that passed the password step in this browser, if any."""
    if not public_id:
        return None
    return session.scalars(select(StaffUser).where(StaffUser.public_id == public_id)).one_or_none()
