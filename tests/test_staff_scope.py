"""Scope: a creditor's staff reach only that creditor's cases, on every staff route; operator staff reach all."""

from __future__ import annotations

import pytest

from portal.access import is_public
from tests.answer_helpers import make_dispute_file
from tests.conftest import make_case, make_creditor
from tests.plan_helpers import make_plan
from tests.staff_helpers import english_client, login, make_failed_delivery, make_staff

# Routes without a case or debtor in the path: they filter by scope instead of refusing.
LISTING_ROUTES = {"staff.search", "staff.audit_log", "staff.dashboard_page", "staff.dashboard_csv"}


def _staff_rules(app):
    """Every guarded staff route and method, logout last (it ends the session)."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("staff.") and not is_public(app, r.endpoint)]
    pairs = [(rule, method) for rule in rules for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(pairs, key=lambda pair: pair[0].endpoint == "staff.logout")


def _path(rule, case) -> str:
    """The rule's path for the case (and its debtor, a delivery and an evidence file)."""
    values = {
        "case_id": case.public_id,
        "debtor_id": case.debtor.public_id,
        "delivery_id": case.delivery_id,
        "file_id": case.evidence_id,
    }
    return rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]


@pytest.fixture
def world(app, db, tmp_path):
    """Two creditors with a case each (A's with a waiting plan and a dispute, decisions delegated to the
    operator); an admin of creditor B and an operator admin."""
    app.config["WTF_CSRF_ENABLED"] = False  # reach the access rule, not the CSRF check
    app.config["UPLOAD_DIR"] = str(tmp_path)
    alpha = make_creditor(db, name="Alfa Varme", policy={"plan_auto_approve_max_total": 100, "operator_decides": True})
    beta = make_creditor(db, name="Beta El")
    case = make_case(db, alpha, external_id="ALFA-1")
    make_case(db, beta, external_id="BETA-1")
    make_plan(db, case)
    case.evidence_id = make_dispute_file(app, db, case)
    db.refresh(case, attribute_names=["debtor"])
    case.delivery_id = make_failed_delivery(db, case).public_id  # for the routes about one delivery
    return {
        "case": case,
        "other_admin": make_staff(db, "beta@betal.example", role="admin", creditor=beta),
        "operator": make_staff(db, "operator@betal.example", role="admin"),
    }


def test_every_staff_route_with_a_case_denies_another_creditors_staff(app, world):
    client = english_client(app)
    login(client, world["other_admin"])
    checked = []
    for rule, method in _staff_rules(app):
        if rule.arguments:
            response = client.open(_path(rule, world["case"]), method=method, data={"text": "x", "amount": "1"})
            assert response.status_code == 404, (rule.rule, method, response.status_code)
            checked.append(rule.endpoint)
    assert {"staff.case", "staff.add_note", "staff.reissue_link", "staff.register_payment"} <= set(checked)
    assert {"staff.debtor_audit_csv", "staff.replay_delivery", "staff.dispute_file"} <= set(checked)
    assert {"staff.send_link", "staff.decide_plan", "staff.resolve_dispute"} <= set(checked)


def test_listing_routes_show_another_creditors_staff_nothing_of_the_case(app, world):
    client = english_client(app)
    login(client, world["other_admin"])
    for rule, _method in _staff_rules(app):
        if rule.endpoint in LISTING_ROUTES:
            response = client.get(rule.rule, query_string={"q": "ALFA-1"})
            assert response.status_code == 200, rule.rule
            text = response.text
            assert world["case"].public_id not in text and "Alfa Varme" not in text, rule.rule
    guarded = {rule.endpoint for rule, _ in _staff_rules(app)}
    assert guarded - LISTING_ROUTES - {"staff.logout"} == {
        rule.endpoint for rule, _ in _staff_rules(app) if rule.arguments
    }, "a new staff route needs a place in the scope matrix"


def test_operator_staff_reach_every_route_for_any_creditor(app, world):
    client = english_client(app)
    login(client, world["operator"])
    for rule, method in _staff_rules(app):
        path = _path(rule, world["case"]) if rule.arguments else rule.rule
        data = {"text": "a note", "amount": "1,00", "reference": "BANK-1", "channel": "sms", "decision": "approve"}
        data |= {"outcome": "rejected", "message": "Kravet står ved magt."}
        response = client.open(path, method=method, data=data, query_string={"q": "ALFA-1"})
        assert response.status_code in (200, 303), (rule.rule, method, response.status_code)
        if rule.endpoint == "staff.search":
            assert world["case"].public_id in response.text


def test_agents_cannot_open_admin_pages(app, db):
    agent = make_staff(db, role="agent")
    client = english_client(app)
    login(client, agent)
    assert client.get("/staff/audit").status_code == 403
    case = make_case(db)
    db.refresh(case, attribute_names=["debtor"])
    assert client.get(f"/staff/debtors/{case.debtor.public_id}/audit.csv").status_code == 403
