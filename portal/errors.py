"""Friendly error pages (HTML, translated, no traceback); problem+json under /api/."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: (_l("Something in the request was not right"), _l("Please go back and try again.")),
    403: (_l("You do not have access to this page"), _l("Open the link from your message again.")),
    404: (_l("We could not find the page"), _l("Check the address, or open the link from your message again.")),
    405: (_l("That did not work"), _l("Please go back and try again.")),
    413: (_l("The upload is too large"), _l("Please choose a smaller file.")),
    429: (_l("Too many attempts"), _l("Please wait a few minutes and try again.")),
    500: (
        _l("Something went wrong on our side"),
        _l("Please try again in a little while. Nothing you typed has been sent."),
    ),
}


def _respond(status: int, title: str, detail: str):
    """Answer problem+json for the API, a friendly page for everyone else."""
    if request.path.startswith("/api/"):
        response = jsonify(type="about:blank", title=str(title), status=status, detail=str(detail))
        response.status_code = status
        response.mimetype = "application/problem+json"
        return response
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def handle_http_error(error: HTTPException):
    """Render any HTTP error with our own wording, never Werkzeug's page."""
    status = error.code or 500
    title, detail = MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    response = make_response(_respond(status, title, detail))
    if getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if getattr(error, "retry_after", None):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def handle_csrf_error(_error: CSRFError):
    """A form posted without a valid CSRF token: usually an old tab; explain kindly."""
    return _respond(400, _l("The page had expired"), _l("Please go back, reload the page and try again."))


def handle_unexpected_error(error: Exception):
    """Log the exception and show the generic 500 page without any detail."""
    current_app.logger.exception("Unhandled error: %s", type(error).__name__)
    return handle_http_error(InternalServerError())


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
