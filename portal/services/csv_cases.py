"""Reading cases from a CSV file: one row per invoice (or fee), consecutive rows with one external_id make a case.

Columns (header row required; order free; unknown columns refused):
external_id, debtor_name, debtor_kind, email, phone, locale, customer_number, company_cvr, street,
postcode, city, currency, invoice_number, issued_on, due_on, amount, line_description, fee_kind,
fee_amount, fee_description. The debtor and currency columns are read from a case's first row. A
row with invoice_number adds an invoice (amount in øre; line_description, if any, becomes its one
line); a row with fee_kind adds a fee. Dates are YYYY-MM-DD.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

COLUMNS = (
    "external_id", "debtor_name", "debtor_kind", "email", "phone", "locale", "customer_number", "company_cvr",
    "street", "postcode", "city", "currency", "invoice_number", "issued_on", "due_on", "amount",
    "line_description", "fee_kind", "fee_amount", "fee_description",
)  # fmt: skip
REQUIRED = ("external_id", "debtor_name")
# Which column a field of the case document comes from, for error messages.
DEBTOR_COLUMNS = {
    "name": "debtor_name",
    "kind": "debtor_kind",
    "street": "street",
    "postcode": "postcode",
    "city": "city",
}
INVOICE_COLUMNS = {"number": "invoice_number", "lines": "line_description", "amount": "amount"}
FEE_COLUMNS = {"kind": "fee_kind", "amount": "fee_amount", "description": "fee_description"}


class BadHeader(ValueError):
    """The header row is missing required columns or has unknown ones."""


@dataclass
class CsvCase:
    """One case's document (shaped like the API's) and the file line each part came from."""

    first_line: int
    document: dict[str, Any]
    invoice_lines: list[int] = field(default_factory=list)
    fee_lines: list[int] = field(default_factory=list)

    def line_and_column(self, loc: tuple) -> tuple[int, str]:
        """The file line and column an error location points at."""
        if len(loc) >= 2 and loc[0] == "invoices" and isinstance(loc[1], int) and loc[1] < len(self.invoice_lines):
            name = str(loc[2]) if len(loc) > 2 else "invoice_number"
            return self.invoice_lines[loc[1]], INVOICE_COLUMNS.get(name, name)
        if len(loc) >= 2 and loc[0] == "fees" and isinstance(loc[1], int) and loc[1] < len(self.fee_lines):
            name = str(loc[2]) if len(loc) > 2 else "fee_kind"
            return self.fee_lines[loc[1]], FEE_COLUMNS.get(name, name)
        if loc and loc[0] == "debtor":
            name = str(loc[-1]) if len(loc) > 1 else "debtor_name"
            return self.first_line, DEBTOR_COLUMNS.get(name, name)
        return self.first_line, str(loc[0]) if loc else "external_id"


def _number(value: str) -> int | str:
    """An integer column as int when it is one, else the text (so validation names the problem)."""
    text = value.strip()
    return int(text) if text.lstrip("-").isdigit() and len(text) < 19 else text


def _blank_to_none(row: dict[str, str], *names: str) -> dict[str, str | None]:
    """The named columns, with blanks as None."""
    return {name: (row.get(name) or "").strip() or None for name in names}


def _start(row: dict[str, str], line: int) -> CsvCase:
    """A new case from its first row."""
    debtor = _blank_to_none(row, "email", "phone", "customer_number", "company_cvr")
    debtor |= {"name": row.get("debtor_name") or "", "kind": (row.get("debtor_kind") or "").strip() or "person"}
    debtor["locale"] = (row.get("locale") or "").strip() or "da"
    address = _blank_to_none(row, "street", "postcode", "city")
    if any(address.values()):
        debtor["address"] = address
    document = {"external_id": row["external_id"], "currency": (row.get("currency") or "").strip() or "DKK"}
    return CsvCase(line, document | {"debtor": debtor, "invoices": [], "fees": []})


def _add(case: CsvCase, row: dict[str, str], line: int) -> None:
    """Add the row's invoice and fee to its case."""
    if (row.get("invoice_number") or "").strip():
        amount = _number(row.get("amount") or "")
        description = (row.get("line_description") or "").strip()
        invoice = {
            "number": row["invoice_number"],
            "issued_on": (row.get("issued_on") or "").strip(),
            "due_on": (row.get("due_on") or "").strip(),
            "amount": amount,
            "lines": [{"description": description, "amount": amount}] if description else [],
        }
        case.document["invoices"].append(invoice)
        case.invoice_lines.append(line)
    if (row.get("fee_kind") or "").strip():
        fee = {"kind": row["fee_kind"], "amount": _number(row.get("fee_amount") or ""),
               "description": (row.get("fee_description") or "").strip() or row["fee_kind"]}  # fmt: skip
        case.document["fees"].append(fee)
        case.fee_lines.append(line)


def check_header(header: Iterable[str] | None) -> None:
    """Refuse a header without the required columns or with unknown ones."""
    names = [h.strip() for h in header or []]
    missing = [c for c in REQUIRED if c not in names]
    unknown = [n for n in names if n not in COLUMNS]
    if missing or unknown:
        raise BadHeader(f"missing columns: {', '.join(missing) or '-'}; unknown columns: {', '.join(unknown) or '-'}")


def read_cases(lines: Iterable[str]) -> Iterator[CsvCase]:
    """The cases of a CSV file, in file order (rows of one case must follow each other)."""
    reader = csv.DictReader(lines)
    check_header(reader.fieldnames)
    current: CsvCase | None = None
    line = reader.line_num
    for row in reader:
        if current is None or row["external_id"] != current.document["external_id"]:
            if current is not None:
                yield current
            current = _start(row, line + 1)
        _add(current, row, line + 1)
        line = reader.line_num
    if current is not None:
        yield current
