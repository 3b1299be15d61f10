"""`cases import CREDITOR_ID FILE.csv`: good rows become cases, bad rows are reported by line and reason."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.models import Case, Fee, Invoice, OutboxMessage
from tests.api_helpers import make_api_creditor

HEADER = "external_id,debtor_name,email,phone,postcode,city,invoice_number,issued_on,due_on,amount,line_description,fee_kind,fee_amount,fee_description\n"  # noqa: E501
GOOD = (
    "K-1,Mette Jensen,mette@example.dk,22334455,8000,Aarhus C,F-1,2026-10-01,2026-10-15,123450,Varme oktober,,,\n"
    "K-1,Mette Jensen,,,,,F-2,2026-11-01,2026-11-15,5000,,reminder_fee,10000,Rykkergebyr\n"
    "K-2,Ole Hansen,,,,,F-3,2026-10-01,2026-10-15,9900,,,,\n"
)
BAD = (
    "K-3,Bad Amount,,,,,F-4,2026-10-01,2026-10-15,12.50,,,,\n"
    "K-4,Bad Date,,,,,F-5,2026-13-01,2026-10-15,100,,,,\n"
    "K-5,Bad Phone,,123,,,F-6,2026-10-01,2026-10-15,100,,,,\n"
)


def write(tmp_path, text: str):
    """A CSV file with the given content."""
    path = tmp_path / "cases.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_creates_cases_with_invoices_and_fees(runner, db, tmp_path):
    creditor, _ = make_api_creditor(db)
    result = runner.invoke(args=["cases", "import", creditor.public_id, write(tmp_path, HEADER + GOOD)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 cases" in result.output
    k1 = db.scalars(select(Case).where(Case.external_id == "K-1")).one()
    assert k1.outstanding == 123450 + 5000 + 10000
    assert db.scalar(select(func.count()).select_from(Invoice).where(Invoice.case_id == k1.id)) == 2
    assert db.scalar(select(func.count()).select_from(Fee)) == 1
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 2


def test_import_reports_every_bad_row_by_line_and_imports_the_rest(runner, db, tmp_path):
    creditor, _ = make_api_creditor(db)
    result = runner.invoke(args=["cases", "import", creditor.public_id, write(tmp_path, HEADER + GOOD + BAD)])
    assert result.exit_code == 1
    assert "line 5: amount:" in result.output
    assert "line 6: issued_on:" in result.output
    assert "line 7: debtor.phone: Type a valid phone number." in result.output
    assert "Imported 2 cases; 3 problems." in result.output
    assert db.scalar(select(func.count()).select_from(Case)) == 2


def test_importing_the_same_file_again_adds_nothing(runner, db, tmp_path):
    creditor, _ = make_api_creditor(db)
    path = write(tmp_path, HEADER + GOOD)
    runner.invoke(args=["cases", "import", creditor.public_id, path])
    again = runner.invoke(args=["cases", "import", creditor.public_id, path])
    assert "line 2: external_id: A case with this external_id already exists." in again.output
    assert db.scalar(select(func.count()).select_from(Case)) == 2


def test_a_file_without_the_required_columns_is_refused(runner, db, tmp_path):
    creditor, _ = make_api_creditor(db)
    result = runner.invoke(args=["cases", "import", creditor.public_id, write(tmp_path, "name,amount\nx,1\n")])
    assert result.exit_code != 0 and "missing columns: external_id, debtor_name" in result.output


def test_an_unknown_creditor_is_refused(runner, tmp_path):
    result = runner.invoke(args=["cases", "import", "cre_nobody", write(tmp_path, HEADER + GOOD)])
    assert result.exit_code != 0 and "no such creditor" in result.output


def test_a_case_named_twice_in_one_file_is_imported_once_even_across_chunks(runner, db, tmp_path, monkeypatch):
    monkeypatch.setattr("portal.cli.cases.CHUNK", 2)  # the two K-1 cases land in chunks written at the same time
    creditor, _ = make_api_creditor(db)
    again = "K-1,Mette Igen,,,,,F-9,2026-10-01,2026-10-15,100,,,,\n"
    rows = [f"M-{n},Navn {n},,,,,G-{n},2026-10-01,2026-10-15,100,,,,\n" for n in range(6)]
    text = HEADER + GOOD + "".join(rows) + again
    result = runner.invoke(args=["cases", "import", creditor.public_id, write(tmp_path, text)])
    assert "line 11: external_id: A case with this external_id already exists." in result.output
    assert "Imported 8 cases; 1 problems." in result.output
    assert db.scalar(select(func.count()).select_from(Case).where(Case.external_id == "K-1")) == 1
    assert db.scalar(select(func.count()).select_from(Case)) == 8
