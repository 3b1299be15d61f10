"""Demo data: an invented Danish utility and housing company with cases for every scenario."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Case, Creditor
from portal.services.cases import NewDebtor, NewFee, NewInvoice, NewLine, create_case

LOGO_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40" viewBox="0 0 160 40" role="img">
<title>Kystvarme</title><circle cx="20" cy="20" r="14" fill="#0b6e4f"/>
<path d="M13 24c4-8 10-8 14 0" stroke="#fff" stroke-width="3" fill="none"/>
<text x="42" y="27" font-family="Arial,sans-serif" font-size="18" font-weight="700" fill="#0b3d2e">Kystvarme</text>
</svg>"""

CREDITORS = {
    "kystvarme": dict(
        name="Kystvarme A/S",
        cvr="29184737",
        contact_email="kundeservice@kystvarme.example",
        contact_phone="+4570201020",
        contact_hours="hverdage 8-16",
        website_url="https://kystvarme.example",
        privacy_url="https://kystvarme.example/privatliv",
        address="Havnevej 12, 8000 Aarhus C",
        brand_color="#0b6e4f",
        logo=LOGO_SVG,
        logo_content_type="image/svg+xml",
        locale="da",
        fi_creditor_number="85123456",
        bank_account="1234 5678901234",
        # Pay online by MobilePay or card; a part payment of at least 100 kr. is welcome. Payment plans of up
        # to six monthly instalments of at least 200 kr.; plans above 4.000 kr. wait for customer service.
        policy={
            "payment_methods": ["mobilepay", "card"],
            "partial_payment_minimum": 10000,
            "plan_max_installments": 6,
            "plan_min_installment": 20000,
            "plan_auto_approve_max_total": 400000,
        },
    ),
    "fjordhuse": dict(
        name="Boligselskabet Fjordhuse",
        cvr="31427765",
        contact_email="udlejning@fjordhuse.example",
        contact_phone="+4598123456",
        privacy_url="https://fjordhuse.example/privatliv",
        address="Fjordgade 3, 9000 Aalborg",
        brand_color="#7a2e8c",
        locale="da",
        require_postcode=True,
        bank_account="9570 0012345678",
        # Rent: at most three instalments, and every plan waits for the landlord's answer.
        policy={"plan_max_installments": 3, "plan_auto_approve_max_total": 0},
    ),
}


def _invoice(number: str, issued: date, days: int, lines: list[tuple[str, int]]) -> NewInvoice:
    """An invoice due `days` after it was issued, its amount the sum of its lines."""
    return NewInvoice(
        number=number,
        issued_on=issued,
        due_on=issued + timedelta(days=days),
        amount=sum(a for _, a in lines),
        lines=tuple(NewLine(d, a) for d, a in lines),
    )


def scenarios(today: date) -> list[tuple[str, str, str, dict]]:
    """(scenario, creditor key, external id, case arguments) for each demo case, dated around today."""
    month = today - timedelta(days=40)
    return [
        (
            "one_invoice",
            "kystvarme",
            "DEMO-1001",
            dict(
                debtor=NewDebtor(
                    name="Mette Jensen",
                    email="mette@example.dk",
                    phone="+4522334455",
                    street="Nørregade 1",
                    postcode="8000",
                    city="Aarhus C",
                    customer_number="100234",
                ),
                invoices=[
                    _invoice("F-1001", month, 14, [("Fjernvarme, forbrug oktober", 98450), ("Fast afgift", 25000)])
                ],
            ),
        ),
        (
            "several_invoices_fee",
            "kystvarme",
            "DEMO-1002",
            dict(
                debtor=NewDebtor(
                    name="Lars Nielsen",
                    email="lars@example.dk",
                    phone="+4540506070",
                    street="Søndergade 14, 2. th.",
                    postcode="8000",
                    city="Aarhus C",
                    customer_number="100871",
                ),
                invoices=[
                    _invoice("F-0934", month - timedelta(days=60), 14, [("Fjernvarme, august", 41200)]),
                    _invoice("F-0967", month - timedelta(days=30), 14, [("Fjernvarme, september", 58900)]),
                    _invoice("F-1004", month, 14, [("Fjernvarme, oktober", 87300), ("Målerleje", 4500)]),
                ],
                fees=[NewFee(kind="reminder_fee", amount=10000, description="Rykkergebyr")],
            ),
        ),
        (
            "business",
            "kystvarme",
            "DEMO-1003",
            dict(
                debtor=NewDebtor(
                    name="Bageriet Søndergade ApS",
                    kind="business",
                    company_cvr="41234567",
                    email="regnskab@bageriet.example",
                    phone="+4586123456",
                    street="Søndergade 40",
                    postcode="8000",
                    city="Aarhus C",
                    customer_number="200118",
                ),
                invoices=[
                    _invoice("F-1010", month, 8, [("Fjernvarme, erhverv oktober", 412500), ("Effektbidrag", 37500)])
                ],
            ),
        ),
        (
            "english",
            "kystvarme",
            "DEMO-1004",
            dict(
                debtor=NewDebtor(
                    name="Emma Clarke",
                    email="emma@example.com",
                    phone="+4531425364",
                    locale="en",
                    street="Mejlgade 22",
                    postcode="8000",
                    city="Aarhus C",
                    customer_number="100990",
                ),
                invoices=[_invoice("F-1012", month, 14, [("Fjernvarme, forbrug oktober", 64300)])],
            ),
        ),
        (
            "postcode_required",
            "fjordhuse",
            "DEMO-2001",
            dict(
                debtor=NewDebtor(
                    name="Jonas Holm",
                    email="jonas@example.dk",
                    phone="+4527182818",
                    street="Fjordgade 3, 1. tv.",
                    postcode="9000",
                    city="Aalborg",
                    customer_number="L-5521",
                ),
                invoices=[_invoice("H-11-2026", month, 5, [("Husleje november", 745000), ("Aconto vand", 32500)])],
            ),
        ),
        (
            # Fell due yesterday: its reminder flow starts today, so `worker run` sends the day-1 SMS
            # (to instance/messages/ with the console provider) and the later steps on their days.
            "reminder_flow",
            "kystvarme",
            "DEMO-1005",
            dict(
                debtor=NewDebtor(
                    name="Sofie Madsen",
                    email="sofie@example.dk",
                    phone="+4561728394",
                    street="Vestergade 7",
                    postcode="8000",
                    city="Aarhus C",
                    customer_number="101377",
                ),
                invoices=[_invoice("F-1031", today - timedelta(days=15), 14, [("Fjernvarme, november", 71250)])],
            ),
        ),
    ]


def _creditor(session: Session, key: str) -> Creditor:
    """The demo creditor for key, created on first use."""
    values = CREDITORS[key]
    creditor = session.scalars(
        select(Creditor).where(Creditor.cvr == values["cvr"], Creditor.name == values["name"])
    ).first()
    if creditor is None:
        creditor = Creditor(**values)
        session.add(creditor)
        session.flush()
    return creditor


def seed(session: Session, *, today: date | None = None) -> list[tuple[str, Case]]:
    """Create any demo case that does not exist yet and return every demo case by scenario."""
    result = []
    for scenario, key, external_id, arguments in scenarios(today or date.today()):
        creditor = _creditor(session, key)
        case = session.scalars(
            select(Case).where(Case.creditor_id == creditor.id, Case.external_id == external_id)
        ).one_or_none()
        if case is None:
            case = create_case(session, creditor, external_id=external_id, actor="demo", **arguments)
        result.append((scenario, case))
    return result
