"""The API blueprint: bearer-key access rule, Idempotency-Key handling and problem+json errors."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from portal import errors
from portal.access import is_public
from portal.api.problems import english, field_errors, problem
from portal.db import get_session
from portal.extensions import csrf
from portal.services import api_keys, idempotency
from portal.services.case_updates import CaseClosed
from portal.services.disputes import NoOpenDispute
from portal.services.errors import DomainError, InvalidInput, NotFound
from portal.services.intake import DuplicateCase
from portal.services.plans import PlanNotPending
from portal.services.webhook_endpoints import EndpointDisabled, TooManyEndpoints

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

MAX_BODY_BYTES = 8 * 1024 * 1024  # a batch of 1,000 generous cases
_KEY_PARAMETERS = {"api_key", "apikey", "key", "access_token", "token", "authorization"}
_CONFLICTS = (
    CaseClosed,
    EndpointDisabled,
    NoOpenDispute,
    PlanNotPending,
    TooManyEndpoints,
    idempotency.KeyInFlight,
)


def _key_in_query() -> bool:
    """Whether the query string carries what looks like a credential."""
    return any(
        name.lower() in _KEY_PARAMETERS or api_keys.looks_like_key(value)
        for name, value in request.args.items(multi=True)
    )


def _unauthorised(detail: str) -> Response:
    """401 with the scheme the API expects."""
    return problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="betal"'})


@bp.before_request
def require_api_key():
    """Access rule: every non-public API route needs a live key in `Authorization: Bearer …`."""
    if _key_in_query():
        return problem(400, "API keys belong in the Authorization header", "Never put an API key in a URL.")
    if is_public(current_app, request.endpoint):
        return None
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return _unauthorised("Send your API key as `Authorization: Bearer <key>`.")
    creditor = api_keys.authenticate(get_session(), key.strip())
    if creditor is None:
        return _unauthorised("The API key is not valid or has been revoked.")
    g.creditor = creditor
    return _begin_idempotency(creditor.id) if request.method == "POST" else None


def _begin_idempotency(creditor_id: int) -> Response | None:
    """Claim the request's Idempotency-Key, or answer with the stored response."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return problem(413, "Payload Too Large", f"Send at most {MAX_BODY_BYTES} bytes.")
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 0 < len(key) <= idempotency.MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        errors = [{"field": "Idempotency-Key", "message": "1 to 255 printable ASCII characters"}]
        return problem(400, "Invalid Idempotency-Key", errors=errors)
    print_ = idempotency.fingerprint(request.method, request.path, request.get_data(cache=True))
    with current_app.extensions["db_sessionmaker"]() as session:
        outcome = idempotency.begin(session, creditor_id, key, print_)
    if isinstance(outcome, idempotency.StoredResponse):
        response = Response(outcome.body, outcome.status, mimetype="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        return response
    g.idempotency_claim = outcome
    return None


@bp.after_request
def release_idempotency_key(response: Response) -> Response:
    """A request that did not commit gives its Idempotency-Key back, so the client can try again."""
    claim = g.pop("idempotency_claim", None)
    if claim is not None:
        with current_app.extensions["db_sessionmaker"]() as session:
            idempotency.release(session, claim)
            session.commit()
    return response


@bp.errorhandler(ValidationError)
def invalid_body(error: ValidationError):
    """Schema errors name each field."""
    return problem(422, "Unprocessable Content", "The request has invalid fields.", field_errors(error))


@bp.errorhandler(InvalidInput)
def invalid_input(error: InvalidInput):
    """A broken rule names its field."""
    return problem(422, "Unprocessable Content", errors=[{"field": error.field, "message": english(error.message)}])


@bp.errorhandler(DuplicateCase)
def duplicate_case(error: DuplicateCase):
    """The external id is taken."""
    return problem(409, "Conflict", errors=[{"field": error.field, "message": english(error.reason)}])


@bp.errorhandler(idempotency.KeyReused)
def key_reused(_error):
    """The same Idempotency-Key with another request."""
    detail = "This Idempotency-Key was used with a different request. Use a new key for a new request."
    return problem(422, "Idempotency-Key reused", detail)


@bp.errorhandler(NotFound)
def not_found(_error):
    """Unknown, or another creditor's: the same answer either way."""
    return problem(404, "Not Found", "No such resource.")


@bp.errorhandler(IntegrityError)
def integrity_error(_error):
    """A concurrent request changed the same thing first."""
    get_session().rollback()
    return problem(409, "Conflict", "A concurrent request changed the same data. Try again.")


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    """Other refusals: conflicts with the resource's state, or a bad request."""
    if isinstance(error, idempotency.KeyInFlight):
        return problem(409, "Conflict", "A request with this Idempotency-Key is still in progress.")
    status = 409 if isinstance(error, _CONFLICTS) else 400
    return problem(status, "Conflict" if status == 409 else "Bad Request", english(error.reason))


@bp.errorhandler(Exception)
def unexpected_error(error: Exception):
    """HTTP errors as the app words them; anything else logged and answered with an English 500."""
    if isinstance(error, HTTPException):
        return errors.handle_http_error(error)
    current_app.logger.exception("Unhandled API error: %s", type(error).__name__)
    return problem(500, "Internal Server Error", "Something went wrong on our side. Nothing was changed.")
