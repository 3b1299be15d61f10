"""Case views: create one or a batch, read, list, cancel, adjust, issue a new link."""

from __future__ import annotations

from flask import g
from pydantic import ValidationError

from portal.api import schemas, serialize
from portal.api.blueprint import bp
from portal.api.problems import body as problem_body
from portal.api.problems import english, field_errors
from portal.api.respond import parse_body, parse_query, public_id, reply, show
from portal.db import get_session
from portal.services import answer_state, case_records, case_updates, intake, plans
from portal.services.bulk import collector_paused
from portal.services.errors import InvalidInput

ACTOR = "api"


@bp.post("/cases")
def create_case():
    """Create one case; answer it with its one-click link."""
    new = schemas.new_case(parse_body(schemas.CaseIn))
    [result] = intake.create_cases(get_session(), g.creditor.id, [new], actor=ACTOR)
    if isinstance(result, intake.Rejected):
        raise result.error
    return reply(serialize.case(result), 201)


def _rejection(index: int, error: Exception) -> dict:
    """A batch item that was not created."""
    if isinstance(error, ValidationError):
        return {
            "index": index,
            "status": 422,
            "problem": problem_body(422, "Unprocessable Content", None, field_errors(error)),
        }
    if isinstance(error, InvalidInput):
        errors = [{"field": error.field, "message": english(error.message)}]
        return {"index": index, "status": 422, "problem": problem_body(422, "Unprocessable Content", None, errors)}
    errors = [{"field": "external_id", "message": english(error.reason)}]
    return {"index": index, "status": 409, "problem": problem_body(409, "Conflict", None, errors)}


def _validate_batch() -> tuple[list[dict | None], list[tuple[int, intake.NewCase]]]:
    """The batch's valid cases by index, and a result slot per case with the invalid ones' rejections filled in."""
    try:
        # Usually every case is valid: one pass over the raw body validates them all at once.
        cases = parse_body(schemas.BatchIn).cases
        return [None] * len(cases), [(index, schemas.new_case(data)) for index, data in enumerate(cases)]
    except ValidationError:
        pass  # find out which cases are wrong, and why, one by one
    envelope = parse_body(schemas.BatchEnvelope)
    results: list[dict | None] = [None] * len(envelope.cases)
    valid: list[tuple[int, intake.NewCase]] = []
    for index, item in enumerate(envelope.cases):
        try:
            valid.append((index, schemas.new_case(schemas.CaseIn.model_validate(item))))
        except ValidationError as error:
            results[index] = _rejection(index, error)
    return results, valid


@bp.post("/cases/batch")
@collector_paused()
def create_cases():
    """Create up to 1,000 cases; each is validated on its own and reported in the order sent."""
    results, valid = _validate_batch()
    created = intake.create_cases(get_session(), g.creditor.id, [new for _, new in valid], actor=ACTOR)
    for (index, _), outcome in zip(valid, created, strict=True):
        if isinstance(outcome, intake.Rejected):
            results[index] = _rejection(index, outcome.error)
        else:
            results[index] = {"index": index, "status": 201, "case": serialize.case(outcome)}
    failed = sum(1 for r in results if r["status"] != 201)
    return reply({"created": len(results) - failed, "failed": failed, "results": results})


@bp.get("/cases/<case_id>")
def get_case(case_id: str):
    """One case in full."""
    case = case_records.find_case(get_session(), g.creditor.id, public_id(case_id), full=True)
    session = get_session()
    return show(serialize.case(case, answer_state.state(session, case), plans.latest_plan(session, case.id)))


@bp.get("/cases")
def list_cases():
    """The creditor's cases, oldest first, by external reference and status."""
    query = parse_query(schemas.CaseQuery)
    page = case_records.list_cases(
        get_session(), g.creditor.id, external_id=query.external_id, status=query.status, cursor=query.cursor,
        limit=query.limit,
    )  # fmt: skip
    data = [serialize.case_summary(case) for case in page.items]
    return show({"data": data, "has_more": page.has_more, "next_cursor": page.next_cursor})


@bp.post("/cases/<case_id>/cancel")
def cancel_case(case_id: str):
    """Cancel an open case."""
    data = parse_body(schemas.CancelIn)
    case = case_records.find_case(get_session(), g.creditor.id, public_id(case_id))
    case = case_updates.cancel(get_session(), case, actor=ACTOR, reason=data.reason)
    return reply(serialize.case_summary(case))


@bp.post("/cases/<case_id>/adjustments")
def adjust_case(case_id: str):
    """Lower what a case owes by a payment or credit made elsewhere."""
    data = parse_body(schemas.AdjustmentIn)
    case = case_records.find_case(get_session(), g.creditor.id, public_id(case_id))
    adjustment = case_updates.adjust(
        get_session(), case, kind=data.kind, amount=data.amount, actor=ACTOR, reference=data.reference, note=data.note
    )
    return reply(serialize.adjustment(adjustment, case), 201)


@bp.post("/cases/<case_id>/links")
def reissue_link(case_id: str):
    """Revoke the case's link and issue a new one."""
    parse_body(schemas.Empty)
    case = case_records.find_case(get_session(), g.creditor.id, public_id(case_id))
    case = case_updates.reissue_link(get_session(), case, actor=ACTOR)
    return reply(serialize.link(case), 201)
