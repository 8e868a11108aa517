"""Every list, page or API, is paginated and loads what it shows in a constant number of statements.

Each count test requests its lists with 3 rows and again with 12 and compares the SQL statements
sent for each request: equal counts mean no statement per row (no lazy load in a template or a
schema). Nothing is timed.

Page-size bounds (marketplace.pagination): the HTML pages cap `per_page` at MAX_PAGE_SIZE and
read a nonsense `page` or `per_page` as the default (a link never breaks a page); the API refuses
`per_page` above MAX_PAGE_SIZE, or a page below 1, with 422 naming the field.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from marketplace.extensions import db
from marketplace.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_request
from marketplace.rules.uscc import check_character
from tests.app_helpers import ApiUser, draft, ready_sme, upload_required_documents
from tests.helpers import api_token, bearer, make_user

FEW, MANY = 3, 12


@contextmanager
def counted_statements():
    """The SQL statements sent to the database while the block runs."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def statements_for(client, path: str, **kwargs) -> int:
    """How many statements one GET of `path` sends, from a cold session as in a real request."""
    assert client.get(path, **kwargs).status_code == 200  # first use: anything cached per process
    db.session.rollback()
    db.session.expunge_all()  # the test shares the requests' session: nothing may come from it
    with counted_statements() as statements:
        response = client.get(path, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return len(statements)


def counts(clients_and_paths: dict) -> dict[str, int]:
    """{path: statements} for each (client, path, headers) of the lists under test."""
    return {
        name: statements_for(client, path, headers=headers or {})
        for name, (client, path, headers) in clients_and_paths.items()
    }


def uscc(number: int) -> str:
    """A valid unified social credit code, different for each number."""
    first17 = f"91350100M{number:08d}"
    return first17 + check_character(first17)


def in_review_with_document(sme: ApiUser, **overrides) -> int:
    """A draft with its required documents, submitted (scored) into review; returns its id."""
    application_id = draft(sme, **overrides)
    upload_required_documents(sme, application_id)
    assert sme.post(f"/applications/{application_id}/submit").status_code == 200
    return application_id


class Enterprises:
    """New SMEs, each with an enterprise, a statement and one application in review."""

    def __init__(self, client):
        self.client = client
        self.made = 0

    def apply(self, how_many: int) -> None:
        for _ in range(how_many):
            self.made += 1
            email = f"sme{self.made}@example.com"
            make_user("sme", email)
            in_review_with_document(ready_sme(self.client, email, uscc=uscc(self.made)))


def ids_on(page: str) -> list[int]:
    """Application ids linked from the rows of a queue page."""
    return [int(found) for found in re.findall(r'<td><a href="/[a-z]+/applications/(\d+)">', page)]


def test_review_lists_need_as_many_statements_for_12_applications_as_for_3(
    client, fund_client, regulator_client, users
):
    fund = bearer(api_token(client, users["fund_manager"].email))
    regulator = bearer(api_token(client, users["regulator"].email))
    lists = {
        "fund page": (fund_client, "/fund/applications", None),
        "fund page, any status": (fund_client, "/fund/applications?status=&sort=newest", None),
        "regulator page": (regulator_client, "/regulator/applications", None),
        "review API": (client, "/api/v1/review/applications", fund),
        "review API, regulator": (client, "/api/v1/review/applications?status=", regulator),
    }
    enterprises = Enterprises(client)
    enterprises.apply(FEW)
    few = counts(lists)
    enterprises.apply(MANY - FEW)
    many = counts(lists)
    assert many == few
    body = client.get("/api/v1/review/applications", headers=fund).get_json()
    assert len(body["items"]) == body["total"] == MANY
    assert all(
        item["assessment"]["grade"] and item["enterprise"]["name"] and item["documents"]
        for item in body["items"]
    )


def test_the_smes_lists_need_as_many_statements_for_12_applications_as_for_3(client, sme_client, users):
    sme = ready_sme(client)
    lists = {
        "page": (sme_client, "/sme/applications", None),
        "API": (client, "/api/v1/applications", sme.headers),
    }
    for _ in range(FEW):
        in_review_with_document(sme, amount="50000.00")
    few = counts(lists)
    for _ in range(MANY - FEW):
        in_review_with_document(sme, amount="50000.00")
    many = counts(lists)
    assert many == few
    assert len(sme.get("/applications").get_json()["items"]) == MANY


def test_wallet_lists_need_as_many_statements_for_12_payments_as_for_3(client, investor_client, users):
    investor = bearer(api_token(client, users["investor"].email))
    lists = {
        "wallet page": (investor_client, "/wallet/", None),
        "statement page": (investor_client, "/wallet/statement", None),
        "statement API": (client, "/api/v1/wallet/transactions", investor),
        "payments API": (client, "/api/v1/wallet/payments", investor),
    }

    def deposit(how_many):
        for _ in range(how_many):
            response = client.post("/api/v1/wallet/deposits", json={"amount": "10.00"}, headers=investor)
            assert response.status_code == 201

    deposit(FEW)
    few = counts(lists)
    deposit(MANY - FEW)
    many = counts(lists)
    assert many == few


def test_accounts_and_audit_log_need_as_many_statements_for_12_rows_as_for_3(admin_client, regulator_client):
    lists = {
        "accounts": (admin_client, "/admin/users", None),
        "audit log": (regulator_client, "/regulator/audit", None),
    }
    for number in range(FEW):
        make_user("investor", f"investor{number}@example.com")
    few = counts(lists)
    for number in range(FEW, MANY):
        make_user("investor", f"investor{number}@example.com")
    many = counts(lists)
    assert many == few


@pytest.fixture
def three_in_review(client, users):
    sme = ready_sme(client)
    return [in_review_with_document(sme, amount="50000.00") for _ in range(3)]


def test_review_api_pages_carry_the_rest_and_refuse_a_page_size_above_the_maximum(
    client, users, three_in_review
):
    fund = ApiUser(client, users["fund_manager"].email)
    first = fund.get("/review/applications?per_page=2&sort=newest").get_json()
    assert (first["page"], first["per_page"], first["total"], first["next_page"]) == (1, 2, 3, 2)
    second = fund.get("/review/applications?per_page=2&sort=newest&page=2").get_json()
    assert second["next_page"] is None
    assert [item["id"] for item in first["items"] + second["items"]] == three_in_review[::-1]
    assert fund.get("/review/applications").get_json()["per_page"] == DEFAULT_PAGE_SIZE
    for query, field in (
        (f"per_page={MAX_PAGE_SIZE + 1}", "per_page"),
        ("per_page=0", "per_page"),
        ("page=0", "page"),
        ("page=two", "page"),
    ):
        refused = fund.get(f"/review/applications?{query}")
        assert refused.status_code == 422, query
        assert field in refused.get_json()["error"]["fields"], query
    assert fund.get(f"/review/applications?per_page={MAX_PAGE_SIZE}").status_code == 200


def test_the_smes_api_list_and_payments_are_paginated(client, users, three_in_review):
    sme = ApiUser(client, users["sme"].email)
    first = sme.get("/applications?per_page=2").get_json()
    rest = sme.get("/applications?per_page=2&page=2").get_json()
    assert [item["id"] for item in first["items"] + rest["items"]] == three_in_review[::-1]
    assert first["total"] == 3 and rest["next_page"] is None
    assert sme.get(f"/applications?per_page={MAX_PAGE_SIZE + 1}").status_code == 422
    for amount in ("1.00", "2.00", "3.00"):
        assert sme.post("/wallet/deposits", json={"amount": amount}).status_code == 201
    payments = sme.get("/wallet/payments?per_page=2&page=2").get_json()
    assert [item["amount"] for item in payments["items"]] == ["1.00"] and payments["total"] == 3
    assert sme.get(f"/wallet/payments?per_page={MAX_PAGE_SIZE + 1}").status_code == 422


def test_queue_page_two_shows_the_rest_and_keeps_the_filters(fund_client, three_in_review):
    first = fund_client.get("/fund/applications?per_page=2&sort=newest").get_data(as_text=True)
    assert ids_on(first) == three_in_review[:0:-1] and "Page 1 of 2" in first
    assert "/fund/applications?page=2&amp;per_page=2&amp;status=in_review&amp;sort=newest" in first
    second = fund_client.get("/fund/applications?per_page=2&sort=newest&page=2").get_data(as_text=True)
    assert ids_on(second) == three_in_review[:1] and "Page 2 of 2" in second
    assert ">Next<" not in second and ">Previous<" in second
    assert "Page 1 of" not in fund_client.get("/fund/applications").get_data(as_text=True)  # one page


def test_pages_cap_the_page_size_and_ignore_nonsense(fund_client, admin_client, three_in_review):
    assert page_request({"per_page": "100000", "page": "0"}) == page_request({"per_page": str(MAX_PAGE_SIZE)})
    assert page_request({"per_page": "many", "page": "x"}).per_page == DEFAULT_PAGE_SIZE
    assert page_request({"page": "99999999999999999999"}).page > 1
    for path in (
        "/fund/applications?per_page=100000",
        "/fund/applications?page=abc&per_page=-1",
        "/admin/users?page=999",
    ):
        client = admin_client if path.startswith("/admin") else fund_client
        assert client.get(path).status_code == 200, path
    assert len(ids_on(fund_client.get("/fund/applications?per_page=100000").get_data(as_text=True))) == 3


def test_page_navigation_is_translated(app):
    with app.test_request_context(), force_locale("zh_CN"):
        assert gettext("Page %(page)s of %(pages)s", page=1, pages=2) == "第 1 页，共 2 页"
        assert (gettext("Previous"), gettext("Next")) == ("上一页", "下一页")
