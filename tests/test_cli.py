"""Operator commands: database upgrade, demo seed, translations."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from portal.models import Case, Creditor, Debtor
from portal.services import demo


def test_db_upgrade_command(runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "head" in result.output


def test_demo_seed_prints_a_link_per_scenario_and_is_idempotent(app, runner, db):
    first = runner.invoke(args=["demo", "seed", "--json"])
    assert first.exit_code == 0, first.output
    rows = json.loads(first.output)
    scenarios = {row["scenario"] for row in rows}
    assert {
        "one_invoice",
        "several_invoices_fee",
        "business",
        "english",
        "postcode_required",
        "reminder_flow",
    } <= scenarios
    for row in rows:
        assert row["case_id"].startswith("cas_")
        assert row["url"].startswith(app.config["BASE_URL"] + "/l/")
    counts = [db.scalar(select(func.count()).select_from(m)) for m in (Creditor, Debtor, Case)]
    second = runner.invoke(args=["demo", "seed", "--json"])
    assert json.loads(second.output) == rows
    assert [db.scalar(select(func.count()).select_from(m)) for m in (Creditor, Debtor, Case)] == counts


def test_demo_seed_plain_output_has_one_line_per_case(runner):
    result = runner.invoke(args=["demo", "seed"])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == len(demo.scenarios(date.today()))
    assert all("/l/" in line for line in lines)


def test_demo_links_open_their_cases(app, runner):
    rows = json.loads(runner.invoke(args=["demo", "seed", "--json"]).output)
    client = app.test_client()
    for row in rows:
        path = row["url"].removeprefix(app.config["BASE_URL"])
        assert client.get(path).status_code == 200, row["scenario"]


def test_translate_compile_command(runner):
    result = runner.invoke(args=["translate", "compile"])
    assert result.exit_code == 0, result.output
