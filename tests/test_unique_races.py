"""Races on unique business keys: one request wins, the others get a Conflict (409), none a 500.

The pre-checks in the services read before they write, so two requests can both pass them; the
database's unique constraint then decides, and the service must turn its refusal into Conflict.
Real threads against PostgreSQL (marked `postgres`), plus one deterministic test on any database
that skips the pre-check so that only the constraint can answer.
"""

import threading

import pytest
import sqlalchemy as sa
from flask import current_app

from marketplace.domain_errors import Conflict
from marketplace.extensions import db
from marketplace.models import Enterprise, Payment, User
from marketplace.services import ledger, unit_of_work, users
from tests.app_helpers import enterprise_payload
from tests.helpers import TEST_PASSWORD, api_token, bearer, make_user

THREADS = 12
RACE_EMAIL = "race@example.com"
EMAIL_TAKEN = "An account with this email already exists."


def in_threads(app, count, work):
    """Run work(index) in `count` threads released together; results (or exceptions) in order."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        with app.app_context():
            barrier.wait()
            try:
                results[index] = work(index)
            except BaseException as error:  # returned, so the test can say which kind it was
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    db.session.rollback()  # the test's own session must hold no lock while the threads run
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    db.session.expire_all()
    return results


def register_through_service(index):
    hasher = current_app.extensions["password_hasher"]
    user = unit_of_work.run(
        db.session,
        lambda: users.register(
            db.session,
            hasher,
            email=RACE_EMAIL,
            password=TEST_PASSWORD,
            role="investor",
            name=f"Racer {index}",
            locale="en",
        ),
    )
    return user.id


def accounts_with(email: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == email))


def test_an_email_taken_between_check_and_insert_is_a_conflict_and_the_session_stays_usable(app, monkeypatch):
    make_user("investor", RACE_EMAIL)
    monkeypatch.setattr(users, "find_by_email", lambda session, email: None)  # the race's window
    with pytest.raises(Conflict) as raised:
        register_through_service(1)
    assert raised.value.fields == {"email": [EMAIL_TAKEN]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert accounts_with(RACE_EMAIL) == 1


@pytest.mark.postgres
def test_one_email_registered_by_many_threads_through_the_service_gives_one_account(app):
    results = in_threads(app, THREADS, register_through_service)
    created = [r for r in results if isinstance(r, int)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(created) == 1, results
    assert len(conflicts) == THREADS - 1, results
    assert all(c.fields == {"email": [EMAIL_TAKEN]} for c in conflicts)
    assert accounts_with(RACE_EMAIL) == 1


@pytest.mark.postgres
def test_one_email_registered_by_many_threads_through_the_api_gives_one_201_and_409s(app):
    app.config["REGISTRATION_LIMIT"] = "1000/hour"  # every thread comes from one test address

    def register(index):
        response = app.test_client().post(
            "/api/v1/auth/register",
            json={
                "email": RACE_EMAIL,
                "password": TEST_PASSWORD,
                "role": "sme",
                "name": f"Racer {index}",
            },
        )
        return response.status_code, response.get_json()

    results = in_threads(app, THREADS, register)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (THREADS - 1), results
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "conflict"
            assert body["error"]["fields"] == {"email": ["该邮箱已注册。"]}  # a visitor: the default language
    assert accounts_with(RACE_EMAIL) == 1


@pytest.mark.postgres
def test_one_uscc_saved_by_many_accounts_through_the_api_gives_one_enterprise(app, client):
    emails = [f"sme-{i}@example.com" for i in range(THREADS)]
    for email in emails:
        make_user("sme", email)
    headers = [bearer(api_token(client, email)) for email in emails]

    def save(index):
        response = app.test_client().put(
            "/api/v1/enterprise", json=enterprise_payload(), headers=headers[index]
        )
        return response.status_code, response.get_json()

    results = in_threads(app, THREADS, save)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * (THREADS - 1), results
    assert all(body["error"]["fields"].keys() == {"uscc"} for status, body in results if status == 409)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)) == 1


@pytest.mark.postgres
@pytest.mark.usefixtures("ledger_consistent")
def test_one_idempotency_key_sent_by_many_threads_deposits_once(app, client):
    investor = make_user("investor", "investor@example.com")
    headers = {**bearer(api_token(client, investor.email)), "Idempotency-Key": "race-deposit-0001"}

    def deposit(_):
        response = app.test_client().post(
            "/api/v1/wallet/deposits", json={"amount": "250.00"}, headers=headers
        )
        return response.status_code, response.get_json()

    results = in_threads(app, THREADS, deposit)
    created = [body for status, body in results if status == 201]
    waiting = [body for status, body in results if status == 409]
    assert len(created) + len(waiting) == THREADS, results
    assert created and len({body["payment_id"] for body in created}) == 1, results
    assert all("still being processed" in body["error"]["message"] for body in waiting), waiting
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    assert ledger.balances(db.session, db.session.get(User, investor.id))["wallet"] == 250_00
