"""Staff login: password then TOTP, enrolment with recovery codes, lockout, replay, rotation, logout, timeouts."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from portal.models import StaffAudit, StaffUser, utcnow
from portal.services import staff_auth
from portal.staff.blueprint import SESSION_SEEN, SESSION_STARTED, safe_next
from tests.conftest import csrf_from, make_case, make_creditor
from tests.staff_helpers import PASSWORD, code_for, code_step, english_client, login, make_staff, password_step

SAME_ANSWER = "The e-mail address or password is wrong"


def test_password_hashes_are_argon2id_at_or_above_the_asvs_baseline(db):
    user = make_staff(db)
    assert user.password_hash.startswith("$argon2id$")
    memory, iterations, lanes = (int(v) for v in re.findall(r"m=(\d+),t=(\d+),p=(\d+)", user.password_hash)[0])
    assert memory >= 19 * 1024 and iterations >= 2 and lanes >= 1
    assert PASSWORD not in user.password_hash


def test_password_alone_reaches_no_staff_page(app, db):
    user = make_staff(db)
    case = make_case(db)
    client = english_client(app)
    assert password_step(client, user.email).headers["Location"].endswith("/staff/login/code")
    for path in ("/staff", f"/staff/cases/{case.public_id}", "/staff/dashboard", "/staff/audit"):
        response = client.get(path)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"], path


def test_full_login_lands_on_search_and_is_audited(app, db):
    user = make_staff(db)
    client = english_client(app)
    response = login(client, user)
    assert response.status_code == 303 and response.headers["Location"] == "/staff"
    assert client.get("/staff").status_code == 200
    assert db.scalars(select(StaffAudit.action)).all() == ["staff.login"]


def test_unknown_user_and_wrong_password_get_the_same_answer(app, db):
    make_staff(db)
    client = english_client(app)
    unknown = password_step(client, "nobody@betal.example")
    wrong = password_step(client, "agent@betal.example", "wrong password here")
    assert unknown.status_code == wrong.status_code == 422
    assert SAME_ANSWER in unknown.text and SAME_ANSWER in wrong.text
    strip = re.compile(r'(value|nonce)="[^"]*"')
    assert strip.sub("", unknown.text) == strip.sub("", wrong.text)


def test_repeated_failures_lock_the_account_even_for_the_right_password(app, db):
    user = make_staff(db)
    client = english_client(app)
    for _ in range(staff_auth.LOCKOUT_FAILURES):
        assert password_step(client, user.email, "wrong password here").status_code == 422
    locked = password_step(client, user.email)
    assert locked.status_code == 422 and SAME_ANSWER in locked.text
    db.refresh(user)
    assert user.locked_until > utcnow()
    user.locked_until = utcnow() - timedelta(seconds=1)  # the lock runs out
    db.commit()
    assert password_step(client, user.email).status_code == 303


def test_wrong_codes_count_towards_the_lockout(app, db):
    user = make_staff(db)
    client = english_client(app)
    password_step(client, user.email)
    for _ in range(staff_auth.LOCKOUT_FAILURES):
        assert code_step(client, "000000").status_code == 422
    response = code_step(client, code_for(user))
    assert response.status_code == 422
    assert client.get("/staff").status_code == 302


def test_login_attempts_are_throttled_per_address(app, db):
    app.config.update(RATELIMIT_ENABLED=True, STAFF_LOGIN_RATE_LIMIT="3 per minute")
    client = english_client(app)
    statuses = [password_step(client, f"x{n}@betal.example").status_code for n in range(4)]
    assert statuses == [422, 422, 422, 429]


def test_a_totp_code_is_accepted_once(app, db):
    user = make_staff(db)
    code = code_for(user)
    assert login_with_code(app, user, code).status_code == 303
    replay = login_with_code(app, user, code)
    assert replay.status_code == 422 and "already been used" in replay.text


def login_with_code(app, user, code):
    client = english_client(app)
    password_step(client, user.email)
    return code_step(client, code)


def test_an_older_code_is_refused_after_a_newer_one(app, db):
    user = make_staff(db)
    assert login_with_code(app, user, code_for(user, 0)).status_code == 303
    assert login_with_code(app, user, code_for(user, -1)).status_code == 422


def test_session_is_rotated_at_login_so_a_planted_cookie_gains_nothing(app, db):
    user = make_staff(db)
    attacker = english_client(app)
    attacker.get("/staff/login")
    planted = attacker.get_cookie("betal_session").value
    victim = english_client(app)
    victim.set_cookie("betal_session", planted)
    login(victim, user)
    assert victim.get_cookie("betal_session").value != planted
    assert attacker.get("/staff").status_code == 302  # the planted session never became a staff session


def test_logout_ends_the_session_on_the_server_so_a_replayed_cookie_goes_to_login(app, db):
    user = make_staff(db)
    client = english_client(app)
    login(client, user)
    saved = client.get_cookie("betal_session").value
    page = client.get("/staff")
    assert client.post("/staff/logout", data={"csrf_token": csrf_from(page.text)}).status_code == 303
    replay = english_client(app)
    replay.set_cookie("betal_session", saved)
    response = replay.get("/staff")
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


@pytest.mark.parametrize(("key", "age"), [(SESSION_SEEN, 31 * 60), (SESSION_STARTED, 13 * 3600)])
def test_idle_and_absolute_timeouts_send_the_user_to_login(app, db, key, age):
    user = make_staff(db)
    client = english_client(app)
    login(client, user)
    with client.session_transaction() as session:
        session[key] = int(time.time()) - age
    assert client.get("/staff").status_code == 302


def test_next_redirect_after_login_stays_on_the_staff_pages(app, db):
    user = make_staff(db)
    case = make_case(db)
    client = english_client(app)
    response = client.get(f"/staff/cases/{case.public_id}")
    assert response.headers["Location"] == f"/staff/login?next=/staff/cases/{case.public_id}"
    page = client.get(response.headers["Location"])
    client.post("/staff/login", data={"csrf_token": csrf_from(page.text), "email": user.email, "password": PASSWORD,
                                      "next": f"/staff/cases/{case.public_id}"})  # fmt: skip
    assert code_step(client, code_for(user)).headers["Location"] == f"/staff/cases/{case.public_id}"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/staff", "/\\evil.example", "/sag", "/staff\r\nX: y", None]
)
def test_unsafe_next_targets_are_refused(target):
    assert safe_next(target) is None


def test_first_login_enrols_with_a_qr_code_and_shows_recovery_codes_once(app, db):
    user = make_staff(db, enrolled=False)
    client = english_client(app)
    assert password_step(client, user.email).headers["Location"].endswith("/staff/login/enrol")
    page = client.get("/staff/login/enrol")
    assert 'src="data:image/svg+xml' in page.text
    db.refresh(user)
    assert user.totp_secret in page.text and client.get("/staff").status_code == 302
    code = pyotp.TOTP(user.totp_secret).now()
    done = client.post("/staff/login/enrol", data={"csrf_token": csrf_from(page.text), "code": code})
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.text)
    assert len(codes) == staff_auth.RECOVERY_CODE_COUNT
    assert client.get("/staff").status_code == 200
    assert codes[0] not in str(db.scalars(select(StaffUser.password_hash)).all())


def test_a_recovery_code_logs_in_once(app, db):
    user = make_staff(db)
    codes = staff_auth.new_recovery_codes(db, user)
    db.commit()
    assert login_with_code(app, user, codes[0].upper()).status_code == 303
    assert login_with_code(app, user, codes[0]).status_code == 422


def test_cli_creates_a_staff_user_reading_the_password_from_stdin(runner, db, app):
    creditor = make_creditor(db)
    password = "a long enough password\n"
    result = runner.invoke(
        args=["staff", "create", "Agent@Betal.example", "--role", "agent", "--creditor", creditor.public_id],
        input=password + password,
    )
    assert result.exit_code == 0, result.output
    assert "first login" in result.output
    user = db.scalars(select(StaffUser)).one()
    assert user.email == "agent@betal.example" and user.creditor_id == creditor.id
    assert staff_auth.check_password(db, "agent@betal.example", "a long enough password") is not None


def test_cli_refuses_a_short_password_and_an_unknown_creditor(runner, db):
    short = runner.invoke(args=["staff", "create", "a@betal.example", "--role", "admin"], input="short\nshort\n")
    unknown = runner.invoke(
        args=["staff", "create", "b@betal.example", "--role", "admin", "--creditor", "cre_nope"],
        input="a long enough password\n" * 2,
    )
    assert short.exit_code != 0 and unknown.exit_code != 0
    assert db.scalars(select(StaffUser)).all() == []
