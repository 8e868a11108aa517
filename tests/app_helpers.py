"""Factories for enterprise profiles, statements and loan applications (API payloads and rows)."""

from __future__ import annotations

import io
from datetime import date

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from marketplace.extensions import db
from marketplace.rules.documents import DEFAULT_REQUIRED
from tests.helpers import api_token, bearer

VALID_USCC = "91350100M000100Y43"
OTHER_USCC = "91110108551385082Q"
LAST_YEAR = date.today().year - 1
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def enterprise_payload(**overrides) -> dict:
    """A complete, valid PUT /enterprise body."""
    return {
        "name": "Sanhaojie Smart Logistics Co., Ltd.",
        "uscc": VALID_USCC,
        "legal_representative": "Zhang Wei",
        "founded_on": "2015-03-18",
        "registered_capital": "5000000.00",
        "industry": "G",
        "employees": 48,
        "district": "Gulou",
        "tax_credit_rating": "A",
        "category": "industry",
        "contact_phone": "13800138000",
        **overrides,
    }


def statement_payload(year: int = LAST_YEAR, **overrides) -> dict:
    """A consistent POST /enterprise/statements body (assets = liabilities + equity)."""
    return {
        "year": year,
        "revenue": "8000000.00",
        "cost_of_sales": "6000000.00",
        "operating_profit": "900000.00",
        "profit_before_tax": "850000.00",
        "net_profit": "640000.00",
        "depreciation": "200000.00",
        "interest_expense": "100000.00",
        "total_assets": "5000000.00",
        "fixed_assets": "2500000.00",
        "current_assets": "2000000.00",
        "inventory": "500000.00",
        "receivables": "600000.00",
        "cash": "400000.00",
        "total_liabilities": "2000000.00",
        "current_liabilities": "1200000.00",
        "equity": "3000000.00",
        "share_capital": "1000000.00",
        "retained_earnings": "2000000.00",
        **overrides,
    }


def application_payload(**overrides) -> dict:
    """A valid POST /applications body."""
    return {
        "amount": "300000.00",
        "term_months": 12,
        "repayment_method": "equal_installment",
        "purpose": "Working capital for two new refrigerated delivery vans.",
        "category": "industry",
        **overrides,
    }


class ApiUser:
    """A bearer-token API client for one user."""

    def __init__(self, client, email: str):
        self.client = client
        self.headers = bearer(api_token(client, email))

    def call(self, method: str, path: str, **kwargs):
        return self.client.open("/api/v1" + path, method=method, headers=self.headers, **kwargs)

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.call("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.call("PUT", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.call("DELETE", path, **kwargs)


def ready_sme(client, email: str = "sme@example.com", uscc: str = VALID_USCC) -> ApiUser:
    """An SME with a complete profile and one statement, through the API."""
    sme = ApiUser(client, email)
    assert sme.put("/enterprise", json=enterprise_payload(uscc=uscc)).status_code == 200
    assert sme.post("/enterprise/statements", json=statement_payload()).status_code == 201
    return sme


def draft(sme: ApiUser, **overrides) -> int:
    """Create a draft application; returns its id."""
    response = sme.post("/applications", json=application_payload(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def upload(sme: ApiUser, application_id: int, data: bytes = PDF, name: str = "doc.pdf", **form):
    """POST a document (multipart `file`, plus text fields such as `kind`); returns the response."""
    # Encoded in memory: werkzeug's test client spools large bodies to a file it never closes.
    boundary, body = encode_multipart({**form, "file": FileStorage(io.BytesIO(data), filename=name)})
    return sme.post(
        f"/applications/{application_id}/documents",
        data=body,
        content_type=f'multipart/form-data; boundary="{boundary}"',
    )


def upload_required_documents(sme: ApiUser, application_id: int, codes=DEFAULT_REQUIRED) -> list[int]:
    """Upload one PDF for each checklist item in `codes` (by default the required ones); returns
    the documents' ids."""
    ids = []
    for code in codes:
        response = upload(sme, application_id, name=f"{code}.pdf", kind=code)
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    return ids


def upload_required_documents_web(web_client, application_id: int, codes=DEFAULT_REQUIRED) -> None:
    """The signed-in SME uploads one PDF per checklist item in `codes` through its page's form."""
    for code in codes:
        response = web_client.post(
            f"/sme/applications/{application_id}/documents",
            data={"kind": code, "file": (io.BytesIO(PDF), f"{code}.pdf")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, response.get_data(as_text=True)


def submitted(sme: ApiUser, **overrides) -> int:
    """A draft with the required documents, submitted into review; returns its id."""
    application_id = draft(sme, **overrides)
    upload_required_documents(sme, application_id)
    response = sme.post(f"/applications/{application_id}/submit")
    assert response.status_code == 200, response.get_json()
    return application_id


def count(model) -> int:
    """Rows of a model (for 'nothing was saved' assertions)."""
    import sqlalchemy as sa

    return db.session.scalar(sa.select(sa.func.count()).select_from(model))
