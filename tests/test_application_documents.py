"""Document uploads: type by content, size and count limits, storage, and who may download."""

import io
from pathlib import Path

import pytest

from marketplace.models import ApplicationDocument
from tests.app_helpers import (
    OTHER_USCC,
    PDF,
    ApiUser,
    count,
    draft,
    ready_sme,
    upload,
    upload_required_documents,
)
from tests.helpers import login, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
HTML = b"<html><script>alert(1)</script></html>"


@pytest.fixture
def owned(client, users):
    sme = ready_sme(client)
    return sme, draft(sme)


@pytest.mark.parametrize(
    ("data", "mime"), [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")]
)
def test_pdf_jpeg_png_are_stored_outside_static_with_their_hash(app, owned, data, mime):
    sme, application_id = owned
    response = upload(sme, application_id, data, name="statement.bin")
    assert response.status_code == 201
    body = response.get_json()
    assert body["content_type"] == mime and len(body["sha256"]) == 64
    stored = ApplicationDocument.__table__
    from marketplace.extensions import db

    row = db.session.get(ApplicationDocument, body["id"])
    path = Path(app.config["UPLOAD_FOLDER"]) / row.stored_name
    assert path.read_bytes() == data and "static" not in str(path)
    assert row.stored_name != "statement.bin" and stored is not None


def test_html_renamed_to_pdf_is_refused(owned):
    sme, application_id = owned
    response = upload(sme, application_id, HTML, name="invoice.pdf")
    assert response.status_code == 422
    assert "checked by content" in response.get_json()["error"]["fields"]["file"][0]
    assert count(ApplicationDocument) == 0


def test_oversize_and_empty_files_are_refused(owned):
    sme, application_id = owned
    assert upload(sme, application_id, PDF + b"0" * (10 * 1024 * 1024)).status_code == 422
    assert upload(sme, application_id, b"").status_code == 422
    response = sme.post(
        f"/applications/{application_id}/documents", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert count(ApplicationDocument) == 0


def test_at_most_twenty_documents(owned):
    sme, application_id = owned
    for _ in range(20):
        assert upload(sme, application_id, PDF).status_code == 201
    response = upload(sme, application_id, PDF)
    assert response.status_code == 422 and "at most 20" in response.get_json()["error"]["message"]


def test_download_is_an_attachment_never_sniffed(owned):
    sme, application_id = owned
    document_id = upload(sme, application_id, PNG, name="<b>photo</b>.png").get_json()["id"]
    response = sme.get(f"/applications/{application_id}/documents/{document_id}")
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "image/png"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_documents_are_never_served_to_another_sme(client, owned):
    sme, application_id = owned
    document_id = upload(sme, application_id, PDF).get_json()["id"]
    make_user("sme", "other@example.com")
    other = ApiUser(client, "other@example.com")
    assert other.get(f"/applications/{application_id}/documents/{document_id}").status_code == 403
    assert other.delete(f"/applications/{application_id}/documents/{document_id}").status_code == 403
    assert upload(other, application_id, PDF).status_code == 403
    login(client, "other@example.com")
    assert client.get(f"/sme/applications/{application_id}/documents/{document_id}").status_code == 403
    investor = ApiUser(client, "investor@example.com")
    assert investor.get(f"/applications/{application_id}/documents/{document_id}").status_code == 403
    assert count(ApplicationDocument) == 1


def test_fund_managers_and_regulators_download_after_submission(client, owned, fund_client, regulator_client):
    sme, application_id = owned
    document_id = upload(sme, application_id, PDF).get_json()["id"]
    fund = ApiUser(client, "fund_manager@example.com")
    assert fund.get(f"/applications/{application_id}/documents/{document_id}").status_code == 403  # a draft
    upload_required_documents(sme, application_id)
    assert sme.post(f"/applications/{application_id}/submit").status_code == 200
    assert fund.get(f"/applications/{application_id}/documents/{document_id}").status_code == 200
    assert fund_client.get(f"/fund/applications/{application_id}/documents/{document_id}").status_code == 200
    path = f"/regulator/applications/{application_id}/documents/{document_id}"
    assert regulator_client.get(path).status_code == 200
    assert upload(sme, application_id, PDF).status_code == 409  # no uploads once in review
    assert fund.get(f"/applications/{application_id}/documents/999").status_code == 404


def test_web_upload_and_remove(sme_client, client):
    sme = ready_sme(client)
    application_id = draft(sme)
    response = sme_client.post(
        f"/sme/applications/{application_id}/documents",
        data={"file": (io.BytesIO(HTML), "fake.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "checked by content" in response.get_data(as_text=True) and count(ApplicationDocument) == 0
    response = sme_client.post(
        f"/sme/applications/{application_id}/documents",
        data={"file": (io.BytesIO(PDF), "audit.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Document uploaded." in response.get_data(as_text=True) and "audit.pdf" in response.get_data(
        as_text=True
    )
    from marketplace.extensions import db
    from marketplace.models import ApplicationDocument as Doc

    document_id = db.session.scalars(db.select(Doc.id)).one()
    sme_client.post(f"/sme/applications/{application_id}/documents/{document_id}/delete")
    assert count(ApplicationDocument) == 0


def test_other_sme_cannot_upload_through_the_web(client, owned):
    _, application_id = owned
    make_user("sme", "other@example.com")
    ready_sme(client, "other@example.com", uscc=OTHER_USCC)
    login(client, "other@example.com")
    response = client.post(
        f"/sme/applications/{application_id}/documents",
        data={"file": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403 and count(ApplicationDocument) == 0


def test_an_upload_whose_commit_fails_leaves_no_file_behind(app, owned, monkeypatch):
    import sqlalchemy as sa

    from marketplace.extensions import db

    sme, application_id = owned
    folder = Path(app.config["UPLOAD_FOLDER"])
    before = set(folder.rglob("*"))

    def failing_commit():
        db.session.rollback()
        raise sa.exc.OperationalError("COMMIT", {}, Exception("the database went away"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    with pytest.raises(sa.exc.OperationalError):
        upload(sme, application_id, PDF)
    monkeypatch.undo()
    assert set(folder.rglob("*")) == before and count(ApplicationDocument) == 0
    assert upload(sme, application_id, PDF).status_code == 201 and len(set(folder.rglob("*")) - before) == 1
