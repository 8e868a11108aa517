"""The application state machine: every illegal transition refused, every legal one audited."""

import pytest
import sqlalchemy as sa

from marketplace.domain_errors import InvalidState
from marketplace.extensions import db
from marketplace.models import AuditEvent, LoanApplication
from marketplace.rules.application_states import EVENTS, STATUSES, TRANSITIONS, next_status
from marketplace.services.application_states import transition
from tests.app_helpers import ApiUser, draft, ready_sme, upload_required_documents

ALL_PAIRS = [(status, event) for status in STATUSES for event in EVENTS]
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in TRANSITIONS]


def test_the_table_covers_the_lifecycle():
    assert next_status("draft", "submit") == "submitted"
    assert next_status("submitted", "start_review") == "in_review"
    assert next_status("info_requested", "edit") == "draft"
    assert next_status("awaiting_second_approval", "approve_second") == "approved"
    for final in ("approved", "rejected", "withdrawn"):
        assert all(next_status(final, event) is None for event in EVENTS)


@pytest.fixture
def application(client, users):
    sme = ready_sme(client)
    return db.session.get(LoanApplication, draft(sme)), users["sme"]


@pytest.mark.parametrize(("status", "event"), ILLEGAL)
def test_every_illegal_transition_is_refused(application, status, event):
    row, user = application
    row.status = status
    db.session.commit()
    events_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    with pytest.raises(InvalidState):
        transition(db.session, row, user, event)
    db.session.rollback()
    assert db.session.get(LoanApplication, row.id).status == status
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events_before


@pytest.mark.parametrize(("status", "event"), sorted(TRANSITIONS))
def test_every_legal_transition_is_audited(application, status, event):
    row, user = application
    row.status = status
    db.session.commit()
    target = transition(db.session, row, user, event, payload={"note": "n"})
    db.session.commit()
    assert target == TRANSITIONS[(status, event)] and row.status == target
    last = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert last.action == f"application.{event}" and last.object_id == str(row.id)
    assert last.payload["from"] == status and last.payload["to"] == target


def test_sme_edit_after_information_request_returns_to_draft_then_resubmits(client, users):
    sme = ready_sme(client)
    fund = ApiUser(client, "fund_manager@example.com")
    application_id = draft(sme)
    upload_required_documents(sme, application_id)
    sme.post(f"/applications/{application_id}/submit")
    fund.post(f"/applications/{application_id}/decision", json={"decision": "request_info", "note": "Lease?"})
    body = {
        "amount": "200000.00",
        "term_months": 24,
        "repayment_method": "interest_only",
        "purpose": "Working capital, revised after the fund's question.",
        "category": "none",
    }
    assert sme.put(f"/applications/{application_id}", json=body).get_json()["status"] == "draft"
    assert sme.post(f"/applications/{application_id}/submit").get_json()["status"] == "in_review"
    events = [e["event"] for e in sme.get(f"/applications/{application_id}").get_json()["history"]]
    assert events == [
        "create",
        "document_added",
        "document_added",
        "submit",
        "start_review",
        "request_info",
        "edit",
        "submit",
        "start_review",
    ]


def test_withdrawn_application_cannot_be_submitted_or_withdrawn_again(client, users):
    sme = ready_sme(client)
    application_id = draft(sme)
    assert sme.post(f"/applications/{application_id}/withdraw").get_json()["status"] == "withdrawn"
    assert sme.post(f"/applications/{application_id}/withdraw").status_code == 409
    assert sme.post(f"/applications/{application_id}/submit").status_code == 409
    body = {
        "amount": "20000.00",
        "term_months": 3,
        "repayment_method": "interest_only",
        "purpose": "Trying to change a withdrawn application.",
        "category": "none",
    }
    assert sme.put(f"/applications/{application_id}", json=body).status_code == 409
