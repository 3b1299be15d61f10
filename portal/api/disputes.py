"""Dispute views: resolve the case's open dispute, and fetch its evidence files (as attachments only)."""

from __future__ import annotations

from flask import current_app, g

from portal.api import schemas, serialize
from portal.api.blueprint import bp
from portal.api.respond import parse_body, public_id, reply
from portal.attachments import attachment
from portal.db import get_session
from portal.models import utcnow
from portal.services import case_records, disputes
from portal.services.evidence import FileStore

ACTOR = "api"


@bp.post("/cases/<case_id>/dispute/resolve")
def resolve_dispute(case_id: str):
    """Resolve the open dispute: accepted, rejected or adjusted, with a message the debtor reads."""
    data = parse_body(schemas.DisputeResolveIn)
    case = case_records.find_case(get_session(), g.creditor.id, public_id(case_id))
    dispute = disputes.resolve(get_session(), case, outcome=data.outcome, message=data.message, actor=ACTOR,
                               now=utcnow())  # fmt: skip
    summary = disputes.summary(dispute, disputes.files_of(get_session(), dispute))
    return reply(summary | {"case": serialize.case_summary(case)})


@bp.get("/cases/<case_id>/dispute/files/<file_id>")
def dispute_file(case_id: str, file_id: str):
    """One evidence file of the case's disputes, as a download that is never rendered."""
    case = case_records.find_case(get_session(), g.creditor.id, public_id(case_id))
    found = disputes.file_of_case(get_session(), case, public_id(file_id))
    data = FileStore(current_app.config["UPLOAD_DIR"]).read(found.stored_name)
    return attachment(data, filename=found.filename, content_type=found.content_type)
