"""Liveness: /healthz answers 200 when the app and its database answer."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.access import public
from portal.db import get_session

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    """Run one trivial query; 503 if the database does not answer."""
    try:
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="ok")
