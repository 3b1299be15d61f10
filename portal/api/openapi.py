"""The OpenAPI 3.1 document, generated from the route table below and the pydantic schemas."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from portal.access import public
from portal.api import messaging_schemas, responses, schemas
from portal.api.blueprint import bp
from portal.api.respond import show


@dataclass(frozen=True)
class Operation:
    """One documented route."""

    method: str
    path: str
    operation_id: str
    summary: str
    responses: dict[int, type[BaseModel] | None]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    tags: tuple[str, ...] = field(default=("cases",))
    download: bool = False  # the 200 answer is a file (an attachment), not JSON


S, R, M = schemas, responses, messaging_schemas
OPERATIONS = (
    Operation("post", "/cases", "createCase", "Create a case", {201: R.Case}, S.CaseIn),
    Operation("post", "/cases/batch", "createCases", "Create up to 1,000 cases", {200: R.BatchResult}, S.BatchIn),
    Operation("get", "/cases", "listCases", "List cases", {200: R.CaseList}, query=S.CaseQuery),
    Operation("get", "/cases/{case_id}", "getCase", "Get a case", {200: R.Case}),
    Operation("post", "/cases/{case_id}/cancel", "cancelCase", "Cancel a case", {200: R.CaseSummary}, S.CancelIn),
    Operation(
        "post", "/cases/{case_id}/adjustments", "adjustCase", "Record a payment or credit made elsewhere",
        {201: R.Adjustment}, S.AdjustmentIn,
    ),
    Operation("post", "/cases/{case_id}/links", "reissueLink", "Revoke the link and issue a new one", {201: R.Link}),
    Operation("post", "/cases/{case_id}/dispute/resolve", "resolveDispute",
              "Resolve the open dispute (accepted, rejected or adjusted) with a message for the debtor",
              {200: R.DisputeResolved}, S.DisputeResolveIn, tags=("disputes",)),
    Operation("get", "/cases/{case_id}/dispute/files/{file_id}", "getDisputeFile",
              "Download an evidence file of the case's disputes (PDF, JPEG or PNG, as an attachment)", {200: None},
              tags=("disputes",), download=True),
    Operation(
        "post", "/cases/{case_id}/payment-plan/approve", "approvePaymentPlan",
        "Approve the payment plan waiting for a decision (409 when none waits)", {200: R.PlanDecision},
        S.PlanDecisionIn, tags=("payment plans",),
    ),
    Operation(
        "post", "/cases/{case_id}/payment-plan/reject", "rejectPaymentPlan",
        "Reject the payment plan waiting for a decision (409 when none waits)", {200: R.PlanDecision},
        S.PlanDecisionIn, tags=("payment plans",),
    ),
    Operation(
        "get", "/cases/{case_id}/events", "listCaseEvents", "A case's events", {200: R.EventList},
        query=S.EventQuery, tags=("events",),
    ),
    Operation("get", "/events", "listEvents", "Events since a cursor", {200: R.EventList}, query=S.EventQuery,
              tags=("events",)),
    Operation("post", "/webhook-endpoints", "createWebhookEndpoint", "Register a webhook endpoint",
              {201: R.EndpointWithSecret}, S.EndpointIn, tags=("webhooks",)),
    Operation("get", "/webhook-endpoints", "listWebhookEndpoints", "List webhook endpoints", {200: R.EndpointList},
              tags=("webhooks",)),
    Operation("get", "/webhook-endpoints/{endpoint_id}", "getWebhookEndpoint", "Get a webhook endpoint",
              {200: R.Endpoint}, tags=("webhooks",)),
    Operation("delete", "/webhook-endpoints/{endpoint_id}", "deleteWebhookEndpoint", "Delete a webhook endpoint",
              {204: None}, tags=("webhooks",)),
    Operation("post", "/webhook-endpoints/{endpoint_id}/rotate-secret", "rotateWebhookSecret",
              "Rotate the signing secret (the old one signs too for 24 hours)", {200: R.EndpointWithSecret},
              tags=("webhooks",)),
    Operation("post", "/webhook-endpoints/{endpoint_id}/test", "testWebhookEndpoint", "Send a webhook.test event",
              {202: R.Delivery}, tags=("webhooks",)),
    Operation("get", "/webhook-endpoints/{endpoint_id}/deliveries", "listDeliveries",
              "An endpoint's deliveries and attempts", {200: R.DeliveryList}, query=S.PageQuery, tags=("webhooks",)),
    Operation("post", "/deliveries/{delivery_id}/retry", "retryDelivery", "Send a delivery again", {202: R.Delivery},
              tags=("webhooks",)),
    Operation("get", "/flow", "getFlow", "The reminder flow (the default until one is stored)", {200: M.Flow},
              tags=("messages",)),
    Operation("put", "/flow", "putFlow", "Replace the reminder flow", {200: M.Flow}, M.FlowIn, tags=("messages",)),
    Operation("get", "/templates", "listTemplates", "Every message template, shipped or overridden",
              {200: M.TemplateList}, tags=("messages",)),
    Operation("get", "/templates/{channel}/{locale}/{name}", "getTemplate", "One message template",
              {200: M.Template}, tags=("messages",)),
    Operation("put", "/templates/{channel}/{locale}/{name}", "putTemplate",
              "Override a message template for one language", {200: M.Template}, M.TemplateIn, tags=("messages",)),
    Operation("delete", "/templates/{channel}/{locale}/{name}", "deleteTemplate",
              "Drop an override (the shipped template applies again)", {204: None}, tags=("messages",)),
)  # fmt: skip
FILES = ("application/pdf", "image/jpeg", "image/png")
ERRORS = {
    400: "Bad request",
    401: "Missing, unknown or revoked API key",
    404: "Not found (or another creditor's)",
    409: "Conflict with the resource's state, or the Idempotency-Key is in flight",
    422: "Invalid fields, or the Idempotency-Key was used with another body",
}
DESCRIPTION = (
    "The Betal creditor API. Authenticate with `Authorization: Bearer <API key>`. Amounts are integers in "
    "øre, times ISO 8601 in UTC. Every POST honours an `Idempotency-Key` header for 24 hours. Lists are "
    "paged with `cursor` (the id of the last item seen) and `limit`. Errors are `application/problem+json`."
)


def _models() -> list[type[BaseModel]]:
    """Every model the document refers to."""
    found = {responses.Problem}
    for op in OPERATIONS:
        found |= {m for m in (op.body, *op.responses.values()) if m is not None}
    return sorted(found, key=lambda m: m.__name__)


def _ref(model: type[BaseModel]) -> dict:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _parameters(op: Operation) -> list[dict]:
    """Path, query and header parameters of an operation."""
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "maxLength": 60}}
        for name in (part[1:-1] for part in op.path.split("/") if part.startswith("{"))
    ]
    if op.query is not None:
        schema = op.query.model_json_schema()
        for name, prop in schema["properties"].items():
            prop = {k: v for k, v in prop.items() if k != "title"}
            param = {"name": name, "in": "query", "required": False, "schema": prop}
            if prop.get("type") == "array":
                param |= {"style": "form", "explode": True}
            params.append(param)
    if op.method == "post":
        params.append({
            "name": "Idempotency-Key", "in": "header", "required": False,
            "description": "Repeat a POST safely: the same key and body get the first answer for 24 hours.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7e]+$"},
        })  # fmt: skip
    return params


def _operation(op: Operation) -> dict:
    """One operation object."""
    responses: dict[str, dict] = {}
    for status, model in op.responses.items():
        responses[str(status)] = {"description": "OK"} | (
            {"content": {"application/json": {"schema": _ref(model)}}} if model else {}
        )
    if op.download:
        responses["200"]["content"] = {kind: {"schema": {"type": "string", "format": "binary"}} for kind in FILES}
    for status, text in ERRORS.items():
        responses[str(status)] = {
            "description": text,
            "content": {"application/problem+json": {"schema": _ref(R.Problem)}},
        }
    operation = {"operationId": op.operation_id, "summary": op.summary, "tags": list(op.tags), "responses": responses}
    if params := _parameters(op):
        operation["parameters"] = params
    if op.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(op.body)}}}
    return operation


@cache
def document() -> dict:
    """The whole OpenAPI 3.1 document."""
    _, definitions = models_json_schema(
        [(m, "validation") for m in _models()], ref_template="#/components/schemas/{model}"
    )
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Betal creditor API", "version": "1.0.0", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
@public
def openapi_document():
    """The OpenAPI document (public: it holds no data)."""
    return show(document())
