"""The OpenAPI document is valid, describes exactly the API's routes, and fuzzing it finds no server error."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.api_helpers import api_headers, case_body


def documented_routes(document: dict) -> set[tuple[str, str]]:
    """(METHOD, path) pairs the document describes."""
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def registered_routes(app) -> set[tuple[str, str]]:
    """(METHOD, path) pairs the API blueprint serves, in OpenAPI's path syntax."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi_document":
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_the_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_the_document_describes_exactly_the_registered_routes(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert documented_routes(document) == registered_routes(app)


def test_the_documented_example_case_validates_against_the_document(client, api_creditor):
    _, key = api_creditor
    document = client.get("/api/v1/openapi.json").json
    schema = document["components"]["schemas"]["CaseIn"]
    assert set(case_body()) <= set(schema["properties"])
    assert client.post("/api/v1/cases", json=case_body(), headers=api_headers(key)).status_code == 201


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzed_requests_never_get_a_server_error(app, api_creditor, mode):
    """Schemathesis generates requests from the served document, valid and invalid, for every operation."""
    _, key = api_creditor
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(registered_routes(app))
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def call(case):
            case.call_and_validate(headers=api_headers(key), checks=[not_a_server_error])

        call()


STRING_FIELDS = [
    ("external_id",), ("currency",), ("debtor", "name"), ("debtor", "email"), ("debtor", "phone"),
    ("debtor", "customer_number"), ("debtor", "address", "street"), ("debtor", "address", "postcode"),
    ("invoices", 0, "number"), ("invoices", 0, "issued_on"), ("invoices", 0, "lines", 0, "description"),
    ("fees", 0, "kind"), ("fees", 0, "description"),
]  # fmt: skip
hostile_text = st.one_of(
    st.text(max_size=120),
    st.sampled_from(["\x00", "a\x00b", "\ud800", "💶" * 60, "x" * 10_000, " ", "'; drop table case; --", "%00"]),
)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(where=st.sampled_from(STRING_FIELDS), text=hostile_text)
def test_hostile_text_in_any_case_field_is_never_a_server_error(client, api_creditor, where, text):
    """Hypothesis puts odd text (NUL, lone surrogates, huge strings) into each field of a valid case."""
    _, key = api_creditor
    body = case_body(f"H-{uuid.uuid4().hex}")
    target = body
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = text
    assert client.post("/api/v1/cases", json=body, headers=api_headers(key)).status_code < 500
    raw = quote(text, safe="", errors="surrogatepass")
    assert client.get(f"/api/v1/cases?{where[-1]}={raw}", headers=api_headers(key)).status_code < 500
    assert client.get(f"/api/v1/cases/{raw[:300]}", headers=api_headers(key)).status_code < 500
