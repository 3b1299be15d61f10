"""The flow and template routes: the default flow, replacing it, overriding templates with checks and warnings."""

from __future__ import annotations

from tests.api_helpers import api_headers

CUSTOM = {
    "steps": [
        {"day": 2, "channel": "sms", "template": "reminder_1", "template_b": "reminder_1b"},
        {"day": 5, "channel": "email", "template": "reminder"},
        {"day": 10, "channel": "handover"},
    ],
    "quiet_start": "20:00",
    "quiet_end": "09:00",
    "sms_sender": "Testvarme",
}


def test_the_default_flow_is_day_1_sms_day_4_email_day_8_sms_day_12_handover(client, api_creditor):
    _, key = api_creditor
    flow = client.get("/api/v1/flow", headers=api_headers(key)).json
    assert [(s["day"], s["channel"]) for s in flow["steps"]] == [(1, "sms"), (4, "email"), (8, "sms"), (12, "handover")]
    assert flow["steps"][0]["template_b"] == "reminder_1b"
    assert flow["is_default"] is True and flow["quiet_hours"] == {"start": "21:00", "end": "08:00"}
    assert flow["warnings"] == []


def test_a_creditor_replaces_its_flow(client, api_creditor):
    _, key = api_creditor
    response = client.put("/api/v1/flow", json=CUSTOM, headers=api_headers(key))
    assert response.status_code == 200, response.json
    flow = client.get("/api/v1/flow", headers=api_headers(key)).json
    assert flow["is_default"] is False and flow["sms_sender"] == "Testvarme"
    assert flow["quiet_hours"] == {"start": "20:00", "end": "09:00"}
    assert [(s["day"], s["channel"], s["template"]) for s in flow["steps"]] == [
        (2, "sms", "reminder_1"), (5, "email", "reminder"), (10, "handover", None)
    ]  # fmt: skip


def test_a_flow_that_cannot_run_is_refused_with_the_field(client, api_creditor):
    _, key = api_creditor
    cases = [
        ({"steps": [{"day": 1, "channel": "sms", "template": "nope"}]}, "steps[0].template"),
        ({"steps": [{"day": 1, "channel": "sms", "template": "reminder_1"},
                    {"day": 1, "channel": "email", "template": "reminder"}]}, "steps"),
        ({"steps": [{"day": 5, "channel": "handover"}, {"day": 8, "channel": "sms", "template": "reminder_2"}]},
         "steps[0].day"),
        ({"steps": [{"day": 1, "channel": "sms"}]}, "steps[0]"),
        ({"steps": [{"day": 1, "channel": "email", "template": "reminder_1"}]}, "steps[0].template"),
        ({"steps": [{"day": 61, "channel": "handover"}]}, "steps[0].day"),
        ({**CUSTOM, "sms_sender": "Æblegård Varme"}, "sms_sender"),
    ]  # fmt: skip
    for body, field in cases:
        response = client.put("/api/v1/flow", json=body, headers=api_headers(key))
        assert response.status_code == 422, body
        assert field in [e["field"] for e in response.json["errors"]], (body, response.json)
    assert client.get("/api/v1/flow", headers=api_headers(key)).json["is_default"] is True


def test_a_template_override_is_checked_and_a_long_sms_is_warned_about(client, api_creditor):
    _, key = api_creditor
    path = "/api/v1/templates/sms/da/reminder_1"
    long_text = "Hej. " + "Dette er en lang besked om din sag. " * 3 + "{{ link }}"
    response = client.put(path, json={"text": long_text}, headers=api_headers(key))
    assert response.status_code == 200
    assert response.json["origin"] == "creditor" and response.json["segments"] == 2
    assert any("2 segments" in w for w in response.json["warnings"])
    flow = client.get("/api/v1/flow", headers=api_headers(key)).json
    assert any(w.startswith("day1 reminder_1 (da)") for w in flow["warnings"])
    assert client.get(path, headers=api_headers(key)).json["text"] == long_text
    assert client.delete(path, headers=api_headers(key)).status_code == 204
    assert client.get(path, headers=api_headers(key)).json["origin"] == "default"
    assert client.delete(path, headers=api_headers(key)).status_code == 404


def test_a_template_without_the_link_or_that_cannot_render_is_refused(client, api_creditor):
    _, key = api_creditor
    path = "/api/v1/templates/sms/en/reminder_2"
    for text in ["Hi, please pay.", "Hi {{ amount }} {{ link }}", "{{ 'x' * 1000000000 }} {{ link }}",
                 "{{ ''.__class__.__mro__ }} {{ link }}", "{% for %} {{ link }}"]:  # fmt: skip
        response = client.put(path, json={"text": text}, headers=api_headers(key))
        assert response.status_code == 422, text
        assert response.json["errors"][0]["field"] == "text"
    assert client.get(path, headers=api_headers(key)).json["origin"] == "default"


def test_an_email_override_needs_a_subject_and_may_bring_its_own_html(client, api_creditor):
    _, key = api_creditor
    path = "/api/v1/templates/email/da/reminder"
    assert client.put(path, json={"text": "Hej {{ link }}"}, headers=api_headers(key)).status_code == 422
    body = {"subject": "Hej fra {{ brand }}", "text": "Hej {{ greeting_name }}\n\n{{ link }}",
            "html": "<p>Hej {{ greeting_name }}</p><p><a href='{{ link }}'>Åbn</a></p>"}  # fmt: skip
    response = client.put(path, json=body, headers=api_headers(key))
    assert response.status_code == 200 and response.json["segments"] is None


def test_a_creditor_can_add_its_own_variant_and_use_it_in_the_flow(client, api_creditor):
    _, key = api_creditor
    text = "Hej. Har du set vores påmindelse? {{ link }}"
    assert (
        client.put("/api/v1/templates/sms/da/venlig_b", json={"text": text}, headers=api_headers(key)).status_code
        == 200
    )
    steps = [{"day": 1, "channel": "sms", "template": "reminder_1", "template_b": "venlig_b"}]
    assert client.put("/api/v1/flow", json={"steps": steps}, headers=api_headers(key)).status_code == 200
    names = {(t["channel"], t["locale"], t["name"]) for t in
             client.get("/api/v1/templates", headers=api_headers(key)).json["data"]}  # fmt: skip
    assert ("sms", "da", "venlig_b") in names and ("sms", "en", "venlig_b") not in names
    assert {("sms", "en", "reminder_1"), ("email", "en", "reminder"), ("email", "da", "link")} <= names


def test_unknown_template_paths_are_not_found(client, api_creditor):
    _, key = api_creditor
    for path in ("/templates/fax/da/reminder_1", "/templates/sms/de/reminder_1", "/templates/sms/da/Nope!",
                 "/templates/sms/da/missing"):  # fmt: skip
        assert client.get(f"/api/v1{path}", headers=api_headers(key)).status_code == 404, path
