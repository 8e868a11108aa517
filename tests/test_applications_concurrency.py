"""Real threads against PostgreSQL: the per-enterprise cap and the USCC uniqueness hold."""

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from marketplace.credit import application_assessor
from marketplace.domain_errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Enterprise, LoanApplication
from marketplace.services import applications, enterprises
from tests.app_helpers import enterprise_payload, ready_sme, upload_required_documents
from tests.helpers import make_user

pytestmark = pytest.mark.postgres


def run_in_threads(app, jobs):
    """Run each job(user_id) in its own thread and app context; return outcomes in order."""
    outcomes = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def worker(index, job):
        with app.app_context():
            barrier.wait()
            try:
                job()
                db.session.commit()
                outcomes[index] = "ok"
            except (Conflict, ValidationFailed) as error:
                db.session.rollback()
                outcomes[index] = type(error).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_concurrent_submissions_never_pass_the_cap(app, client, users):
    sme = ready_sme(client)
    ids = [
        sme.post(
            "/applications",
            json={
                "amount": "300000.00",
                "term_months": 12,
                "repayment_method": "equal_installment",
                "purpose": "Working capital for the new cold-chain route.",
                "category": "industry",
            },
        ).get_json()["id"]
        for _ in range(4)
    ]
    for application_id in ids:
        upload_required_documents(sme, application_id)
    user_id = users["sme"].id
    db.session.commit()

    def submit(application_id):
        def job():
            user = db.session.get(type(users["sme"]), user_id)
            applications.submit_application(
                db.session,
                user,
                application_id,
                assess=application_assessor(),
                required_documents=app.config["DOCUMENT_CHECKLIST_REQUIRED"],
            )

        return job

    outcomes = run_in_threads(app, [submit(i) for i in ids])
    assert sorted(outcomes) == ["ValidationFailed", "ok", "ok", "ok"]
    db.session.expire_all()
    in_review = db.session.scalar(
        sa.select(sa.func.sum(LoanApplication.amount_fen)).where(LoanApplication.status == "in_review")
    )
    assert in_review == 90_000_000  # ¥900,000 ≤ ¥1,000,000


def test_one_code_two_accounts_at_once_gives_one_enterprise(app, users):
    first = users["sme"]
    second = make_user("sme", "other-sme@example.com")
    ids = [first.id, second.id]
    data = {**enterprise_payload(), "founded_on": date(2015, 3, 18), "registered_capital_fen": 500_000_000}
    data.pop("registered_capital")

    def save(user_id):
        def job():
            user = db.session.get(type(first), user_id)
            enterprises.save_enterprise(db.session, user, dict(data), today=date.today())

        return job

    outcomes = run_in_threads(app, [save(i) for i in ids])
    assert sorted(outcomes) == ["Conflict", "ok"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enterprise)) == 1
