"""Every route is either public by intent or guarded by its blueprint's access rule."""

from __future__ import annotations

from portal.access import is_public

PUBLIC_BY_INTENT = {
    "static",
    "health.healthz",
    "debtor.landing",
    "debtor.engage",
    "debtor.switch_language",
    "debtor.accessibility",
    "debtor.logo",
    "webhooks.stripe_webhook",
    "webhooks.sms_receipt",  # signed by the SMS gateway
    "webhooks.email_unsubscribe",  # a signed token in the path (RFC 8058 one-click)
    "webhooks.email_unsubscribe_page",
    "api.openapi_document",
    "staff.login",
    "staff.second_factor",
    "staff.enrol",
}


def _sample_path(rule) -> str:
    return rule.build({arg: "x" for arg in rule.arguments}, append_unknown=False)[1]


def test_public_routes_are_exactly_the_intended_ones(app):
    public = {rule.endpoint for rule in app.url_map.iter_rules() if is_public(app, rule.endpoint)}
    assert public == PUBLIC_BY_INTENT


def test_every_other_route_refuses_a_request_without_a_session(app):
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False  # reach the access rule, not the CSRF check
    guarded = [rule for rule in app.url_map.iter_rules() if not is_public(app, rule.endpoint)]
    assert guarded, "expected guarded routes"
    for rule in guarded:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(_sample_path(rule), method=method)
            # The API answers 401 (an API key is missing), staff pages send to their login, the rest 403.
            if rule.rule.startswith("/staff"):
                assert response.status_code == 302, (rule.rule, method, response.status_code)
                assert response.headers["Location"].startswith("/staff/login"), rule.rule
                continue
            expected = 401 if rule.rule.startswith("/api/") else 403
            assert response.status_code == expected, (rule.rule, method, response.status_code)
