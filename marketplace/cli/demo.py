"""flask demo seed: one account per role, and an SME file to click through."""

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.application_pages import required_documents, upload_folder
from marketplace.credit import ModelUnavailable, application_assessor
from marketplace.extensions import db
from marketplace.gateways import gateway
from marketplace.services import (
    applications,
    documents,
    enterprises,
    fund,
    payment_flows,
    statements,
    unit_of_work,
    users,
)

group = AppGroup("demo", help="Demonstration data.")

DEMO_PASSWORD = "Demo-Password-2026"  # noqa: S105 - printed on purpose, demo accounts only
DEMO_ACCOUNTS = (
    ("sme", "sme@demo.sanhaojie.cn", "星河智能制造有限公司"),
    ("investor", "investor@demo.sanhaojie.cn", "王晓明"),
    ("fund_manager", "fund@demo.sanhaojie.cn", "智慧城市基金 李经理"),
    ("regulator", "regulator@demo.sanhaojie.cn", "区金融监管局 张科长"),
    ("admin", "admin@demo.sanhaojie.cn", "平台管理员"),
)
DEMO_ENTERPRISE = {
    "name": "星河智能制造有限公司",
    "uscc": "91350100M000100Y43",
    "legal_representative": "陈立新",
    "founded_on": date(2014, 6, 18),
    "registered_capital_fen": 500_000_000,
    "industry": "C",
    "employees": 86,
    "district": "三好街",
    "tax_credit_rating": "A",
    "category": "industry",
    "contact_phone": "13912345678",
}
# Three fiscal years in yuan (newest first); assets = liabilities + equity in each.
DEMO_STATEMENTS = (
    (
        12_600_000,
        9_450_000,
        1_480_000,
        1_390_000,
        1_042_500,
        420_000,
        160_000,
        9_800_000,
        4_300_000,
        5_100_000,
        1_300_000,
        1_700_000,
        1_250_000,
        4_100_000,
        2_600_000,
        5_700_000,
        5_000_000,
        700_000,
    ),
    (
        11_200_000,
        8_510_000,
        1_200_000,
        1_120_000,
        840_000,
        400_000,
        170_000,
        9_100_000,
        4_400_000,
        4_400_000,
        1_200_000,
        1_500_000,
        1_000_000,
        4_200_000,
        2_500_000,
        4_900_000,
        5_000_000,
        -100_000,
    ),
    (
        10_100_000,
        7_780_000,
        950_000,
        880_000,
        660_000,
        380_000,
        180_000,
        8_600_000,
        4_500_000,
        3_800_000,
        1_100_000,
        1_400_000,
        800_000,
        4_500_000,
        2_400_000,
        4_100_000,
        5_000_000,
        -900_000,
    ),
)
DEMO_DEPOSIT_FEN = 20_000_000  # ¥200,000 in the demo investor's wallet
DEMO_FUND_CAPITAL_FEN = 500_000_000  # ¥5,000,000 in the fund's pool
DEMO_APPLICATION = {
    "amount_fen": 50_000_000,
    "term_months": 12,
    "repayment_method": "equal_installment",
    "purpose": "购置两台五轴数控加工中心，扩大智能传感器外壳的产能，预计年新增营业收入 300 万元。",
    "category": "industry",
}

# One PDF per checklist item (file name, the line printed on its page): the demo file is complete
# whichever items DOCUMENT_CHECKLIST_REQUIRED makes required (a test keeps it so).
DEMO_DOCUMENTS = {
    "business_licence": ("营业执照.pdf", "Business licence (demo)"),
    "financial_statements": ("最近一期财务报表.pdf", "Latest financial statements (demo)"),
    "bank_statements": ("近六个月银行流水.pdf", "Bank statements, last six months (demo)"),
    "tax_certificate": ("纳税证明.pdf", "Tax payment certificate (demo)"),
}


def demo_pdf(line: str) -> bytes:
    """A valid one-page PDF (A4, Helvetica) showing `line` (ASCII), with an exact xref table."""
    text = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("ascii")
    content = b"BT /F1 18 Tf 72 760 Td (" + text + b") Tj ET"
    objects = (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    )
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


@group.command("seed")
def seed() -> None:
    """Create the demo accounts and SME file (skipping what exists) and print how to sign in."""
    unit_of_work.run(db.session, _seed_accounts)
    sme = users.find_by_email(db.session, DEMO_ACCOUNTS[0][1])
    if enterprises.enterprise_of(db.session, sme) is None:
        _seed_sme_file(sme)
    investor = users.find_by_email(db.session, DEMO_ACCOUNTS[1][1])
    # A fixed idempotency key: seeding twice deposits once (through the sandbox's webhook path).
    payment_flows.deposit(
        db.session,
        gateway(),
        investor,
        DEMO_DEPOSIT_FEN,
        limit=current_app.config["MAX_TRANSACTION_FEN"],
        idempotency_key="demo-seed-deposit",
    )
    # The fund's capital, deposited by the admin through the same gateway, so that a fund manager's
    # approval with a fund share can commit fund money.
    payment_flows.fund_deposit(
        db.session,
        gateway(),
        users.find_by_email(db.session, DEMO_ACCOUNTS[4][1]),
        DEMO_FUND_CAPITAL_FEN,
        limit=fund.MAX_DEPOSIT_FEN,
        idempotency_key="demo-seed-fund-deposit",
    )
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD})")
    for role, email, _name in DEMO_ACCOUNTS:
        click.echo(f"  {role:<13} {email}")


def _seed_accounts() -> None:
    hasher = current_app.extensions["password_hasher"]
    for role, email, name in DEMO_ACCOUNTS:
        if users.find_by_email(db.session, email) is None:
            users.create_user(
                db.session, hasher, actor=None, email=email, password=DEMO_PASSWORD, role=role, name=name
            )


def _seed_sme_file(sme) -> None:
    """Profile, three years of statements and one submitted (scored) application with its documents."""
    today = date.today()

    def draft():
        enterprises.save_enterprise(db.session, sme, DEMO_ENTERPRISE, today=today)
        for year, figures in zip(statements.fiscal_years(today), DEMO_STATEMENTS, strict=False):
            values = {
                name: yuan * 100 for name, yuan in zip(statements.STATEMENT_FIELDS, figures, strict=True)
            }
            statements.file_statement(db.session, sme, year, values, today=today)
        return applications.create_application(db.session, sme, DEMO_APPLICATION).id

    application_id = unit_of_work.run(db.session, draft)

    def attach_documents():
        for kind, (filename, line) in DEMO_DOCUMENTS.items():
            documents.add_document(
                db.session,
                sme,
                application_id,
                filename=filename,
                data=demo_pdf(line),
                folder=upload_folder(),
                kind=kind,
            )

    unit_of_work.run(db.session, attach_documents)
    try:
        unit_of_work.run(
            db.session,
            lambda: applications.submit_application(
                db.session,
                sme,
                application_id,
                assess=application_assessor(),
                required_documents=required_documents(),
            ),
        )
    except ModelUnavailable:
        click.echo("  (no credit model yet: the demo application stays a draft)")
