"""`flask --app wsgi cases import CREDITOR_ID FILE.csv`: bulk intake from a CSV file (format in csv_cases)."""

from __future__ import annotations

import sys
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

import click
from flask import current_app
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
WRITERS = 2  # chunks written at once, each on its own connection


def _validate(found: csv_cases.CsvCase, problems: list[tuple[int, str]]):
    """The case ready for intake, or None after noting each of its problems with a line number."""
    try:
        return new_case(CaseIn.model_validate(found.document))
    except ValidationError as error:
        for item in error.errors(include_url=False, include_input=False):
            line, column = found.line_and_column(tuple(item["loc"]))
            problems.append((line, f"{column}: {item['msg']}"))
    return None


class _Writer:
    """Creates chunks of cases on WRITERS threads, each with its own connection, while the next chunk is read and
    checked.

    The database does its share of the work in parallel with the reading and validation (on PostgreSQL, one backend
    process per writer, so it uses more than one core); each chunk is committed on its own. The reader sends no
    external id twice (see _import), so chunks written at the same time never race for the same case.
    """

    def __init__(self, creditor_id: int, problems: list[tuple[int, str]]) -> None:
        self.creditor_id, self.problems, self.created = creditor_id, problems, 0
        self.app = current_app._get_current_object()
        self.threads = ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="import")
        self.pending: deque[Future[int]] = deque()

    def submit(self, batch: list[tuple[csv_cases.CsvCase, intake.NewCase]]) -> None:
        """Write this chunk as soon as a writer is free."""
        while len(self.pending) >= WRITERS:
            self.created += self.pending.popleft().result()
        self.pending.append(self.threads.submit(self._write, batch))

    def wait(self) -> int:
        """Wait for the chunks in hand; return how many cases were created so far."""
        while self.pending:
            self.created += self.pending.popleft().result()
        return self.created

    def close(self) -> None:
        """Finish the chunks in hand and stop the threads."""
        try:
            self.wait()
        finally:
            self.threads.shutdown(wait=True)

    def _write(self, batch: list[tuple[csv_cases.CsvCase, intake.NewCase]]) -> int:
        """Create a chunk of cases and commit; note the refused ones; return how many were created."""
        sessions = self.app.extensions["db_sessionmaker"]
        with self.app.app_context(), force_locale("en"), sessions() as session:
            results = intake.create_cases(session, self.creditor_id, [new for _, new in batch], actor="import")
            session.commit()
            created = 0
            for (found, _), result in zip(batch, results, strict=True):
                if isinstance(result, intake.Rejected):
                    error = result.error
                    field = getattr(error, "field", "external_id")
                    message = english(getattr(error, "message", error.reason))
                    self.problems.append((found.first_line, f"{field}: {message}"))
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
    session = get_session()
    creditor = session.scalar(select(Creditor.id).where(Creditor.public_id == creditor_id))
    session.rollback()  # the writer works in sessions of its own; hold no transaction open meanwhile
    if creditor is None:
        raise click.BadParameter("no such creditor", param_hint="CREDITOR_ID")
    problems: list[tuple[int, str]] = []
    writer, batch, seen = _Writer(creditor, problems), [], set()
    with open(path, encoding="utf-8-sig", newline="") as file, click.progressbar(
        length=_count_rows(path), label="Importing", file=sys.stderr
    ) as bar:  # fmt: skip
        try:
            for found in csv_cases.read_cases(file):
                bar.update(len(found.invoice_lines) + len(found.fee_lines) or 1)
                new = _validate(found, problems)
                if new is not None and new.external_id in seen:
                    problems.append((found.first_line, f"external_id: {english(intake.DuplicateCase.reason)}"))
                elif new is not None:
                    seen.add(new.external_id)
                    batch.append((found, new))
                if len(batch) >= CHUNK:
                    writer.submit(batch)
                    batch = []
            if batch:
                writer.submit(batch)
        except csv_cases.BadHeader as error:
            raise click.ClickException(f"line 1: {error}") from error
        finally:
            writer.close()
    return problems, writer.created
