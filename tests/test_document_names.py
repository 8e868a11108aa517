"""A document is stored and downloaded with the extension of the type found in its content; the
uploader's file name is kept only for display."""

from pathlib import Path

import pytest

from marketplace.extensions import db
from marketplace.models import ApplicationDocument
from marketplace.services.documents import download_name
from tests.test_application_documents import JPEG, PDF, PNG, owned, upload  # noqa: F401  (fixture)

TYPES = {
    "pdf": (PDF, "application/pdf", ".pdf"),
    "png": (PNG, "image/png", ".png"),
    "jpeg": (JPEG, "image/jpeg", ".jpg"),
}


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("x.html", "image/png", "x.png"),
        ("photo.PNG", "image/png", "photo.PNG"),
        ("scan.jpeg", "image/jpeg", "scan.jpeg"),
        ("scan.png", "image/jpeg", "scan.jpg"),
        ("report", "application/pdf", "report.pdf"),
        ("annual.report.svg", "application/pdf", "annual.report.pdf"),
        (".html", "image/png", "document.png"),
        ("营业执照.exe", "image/jpeg", "营业执照.jpg"),
    ],
)
def test_download_name_ends_with_the_detected_type(name, content_type, expected):
    assert download_name(name, content_type) == expected


@pytest.mark.parametrize("kind", TYPES)
@pytest.mark.parametrize("name", ["x.html", "invoice.svg", "run.js", "noext", "账单.htm"])
def test_files_are_stored_and_served_with_their_detected_extension(app, owned, kind, name):  # noqa: F811
    data, mime, extension = TYPES[kind]
    sme, application_id = owned
    response = upload(sme, application_id, data, name=name)
    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == name and body["content_type"] == mime  # the uploader's name, for display
    row = db.session.get(ApplicationDocument, body["id"])
    assert row.stored_name.endswith(extension) and name not in row.stored_name
    assert (Path(app.config["UPLOAD_FOLDER"]) / row.stored_name).read_bytes() == data
    download = sme.get(f"/applications/{application_id}/documents/{body['id']}")
    assert download.status_code == 200 and download.headers["Content-Type"] == mime
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and extension in disposition
    assert ".htm" not in disposition and ".svg" not in disposition and ".js" not in disposition


def test_control_and_bidi_characters_never_reach_the_display_name(owned):  # noqa: F811
    sme, application_id = owned
    response = upload(sme, application_id, PNG, name="in\x00voice\u202egnp.exe")
    assert response.status_code == 201
    assert response.get_json()["name"] == "invoicegnp.exe"
