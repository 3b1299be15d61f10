"""`flask --app wsgi cases import CREDITOR_ID FILE.csv`: bulk intake from a CSV file (format in csv_cases)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from pydantic import ValidationError
from sqlalchemy import select

from portal.api.problems import english
from portal.api.schemas import CaseIn, new_case
from portal.db import get_session
from portal.models import Creditor
from portal.services import csv_cases, intake
from portal.services.bulk import collector_paused

group = AppGroup("cases", help="Cases in bulk.")
CHUNK = 1000


def _validate(found: csv_cases.CsvCase, problems: list[tuple[int, str]]):
    """The case ready for intake, or None after noting each of its problems with a line number."""
    try:
        return new_case(CaseIn.model_validate(found.document))
    except ValidationError as error:
        for item in error.errors(include_url=False, include_input=False):
            line, column = found.line_and_column(tuple(item["loc"]))
            problems.append((line, f"{column}: {item['msg']}"))
    return None


def _write(creditor_id: int, batch: list[tuple[csv_cases.CsvCase, intake.NewCase]], problems) -> int:
    """Create a chunk of cases and commit; note the refused ones; return how many were created."""
    session = get_session()
    results = intake.create_cases(session, creditor_id, [new for _, new in batch], actor="import")
    session.commit()
    created = 0
    for (found, _), result in zip(batch, results, strict=True):
        if isinstance(result, intake.Rejected):
            error = result.error
            field = getattr(error, "field", "external_id")
            problems.append((found.first_line, f"{field}: {english(getattr(error, 'message', error.reason))}"))
        else:
            created += 1
    return created


def _count_rows(path: str) -> int:
    """Data rows in the file (lines after the header), for the progress bar."""
    with open(path, encoding="utf-8-sig", newline="") as file:
        return max(sum(1 for _ in file) - 1, 0)


@group.command("import")
@click.argument("creditor_id")
@click.argument("path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False))
def import_cases(creditor_id: str, path: str) -> None:
    """Import cases from FILE.csv for CREDITOR_ID; report every bad row by line and import the good ones."""
    # Messages for the operator (and no request to pick a language from); the collector rests while the rows pour in.
    with force_locale("en"), collector_paused():
        problems, created = _import(creditor_id, path)
    for line, message in sorted(problems):
        click.echo(f"line {line}: {message}", err=True)
    click.echo(f"Imported {created} cases; {len(problems)} problems.")
    if problems:
        raise SystemExit(1)


def _import(creditor_id: str, path: str) -> tuple[list[tuple[int, str]], int]:
    """Read, validate and create the file's cases in chunks; return the problems and how many were created."""
    creditor = get_session().scalars(select(Creditor).where(Creditor.public_id == creditor_id)).one_or_none()
    if creditor is None:
        raise click.BadParameter("no such creditor", param_hint="CREDITOR_ID")
    problems: list[tuple[int, str]] = []
    created, batch = 0, []
    with open(path, encoding="utf-8-sig", newline="") as file, click.progressbar(
        length=_count_rows(path), label="Importing", file=sys.stderr
    ) as bar:  # fmt: skip
        try:
            for found in csv_cases.read_cases(file):
                bar.update(len(found.invoice_lines) + len(found.fee_lines) or 1)
                new = _validate(found, problems)
                if new is not None:
                    batch.append((found, new))
                if len(batch) >= CHUNK:
                    created, batch = created + _write(creditor.id, batch, problems), []
        except csv_cases.BadHeader as error:
            raise click.ClickException(f"line 1: {error}") from error
        created += _write(creditor.id, batch, problems) if batch else 0
    return problems, created
