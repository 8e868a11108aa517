"""Supporting documents: PDF, JPEG or PNG by content, stored outside static/ under random names."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from pathlib import Path

import filetype
import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import N_, InvalidState, Message, NotFound, ValidationFailed
from marketplace.models import ApplicationDocument, LoanApplication, User
from marketplace.rules.application_states import EDITABLE_STATUSES
from marketplace.rules.documents import DOCUMENT_KINDS, OTHER
from marketplace.services.application_states import record
from marketplace.services.applications import own_application, readable_application
from marketplace.services.unit_of_work import after_commit, on_rollback

# The type is decided by the file's magic bytes, never by its name or the browser's claim.
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
MAX_BYTES = 10 * 1024 * 1024
MAX_PER_APPLICATION = 20
MAX_NAME = 255


def detected_type(data: bytes) -> str | None:
    """The MIME type of `data` from its magic bytes if it is one we accept, else None."""
    kind = filetype.guess(data[:8192])
    return kind.mime if kind is not None and kind.mime in EXTENSIONS else None


def safe_display_name(filename: str | None, content_type: str) -> str:
    """The uploader's file name without directories or control characters (for display only)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    name = name[-MAX_NAME:] if name else ""
    return name or "document" + EXTENSIONS[content_type]


# What a downloaded file may end with for its type; any other ending is replaced, so that a PNG
# uploaded as "x.html" is saved by the browser as "x.png", never as a page it would run.
_KEPT_SUFFIXES = {"application/pdf": (".pdf",), "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}
_SUFFIX = re.compile(r"\.[^./\s]{1,16}$")


def download_name(display_name: str, content_type: str) -> str:
    """The file name a download is offered under: the display name with the extension of the
    type detected from the content (the uploader's own extension is kept only if it agrees)."""
    if display_name.lower().endswith(_KEPT_SUFFIXES[content_type]):
        return display_name
    stem = _SUFFIX.sub("", display_name).strip() or "document"
    return stem + EXTENSIONS[content_type]


def document_kind(kind: object) -> str:
    """The kind of an upload: a checklist code or "other"; none given means "other"."""
    if kind is None:
        return OTHER
    if not isinstance(kind, str) or kind not in DOCUMENT_KINDS:
        problem = Message(N_("Choose one of: %(kinds)s."), kinds=", ".join(DOCUMENT_KINDS))
        raise ValidationFailed(
            N_("Unknown kind of document; the kinds are %(kinds)s."),
            fields={"kind": [problem]},
            kinds=", ".join(DOCUMENT_KINDS),
        )
    return kind


def add_document(
    session: so.Session,
    user: User,
    application_id: int,
    *,
    filename: str | None,
    data: bytes,
    folder: Path,
    kind: str | None = None,
) -> ApplicationDocument:
    """Store one document for the SME's own application (draft or awaiting information); `kind`
    is the checklist item it satisfies (none: "other", which satisfies nothing)."""
    application = own_application(session, user, application_id)
    if application.status not in EDITABLE_STATUSES:
        raise InvalidState(
            N_("Documents can be added only to a draft or an application awaiting information.")
        )
    kind = document_kind(kind)
    if not data:
        message = N_("Choose a file to upload.")
        raise ValidationFailed(message, fields={"file": [message]})
    if len(data) > MAX_BYTES:
        message = N_("A document may be at most 10 MB.")
        raise ValidationFailed(message, fields={"file": [message]})
    content_type = detected_type(data)
    if content_type is None:
        message = N_("Only PDF, JPEG and PNG files are accepted (checked by content, not by name).")
        raise ValidationFailed(message, fields={"file": [message]})
    count = session.scalar(
        sa.select(sa.func.count()).where(ApplicationDocument.application_id == application.id)
    )
    if count >= MAX_PER_APPLICATION:
        message = N_("An application may have at most 20 documents.")
        raise ValidationFailed(message, fields={"file": [message]})
    stored_name = secrets.token_hex(16) + EXTENSIONS[content_type]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / stored_name
    path.write_bytes(data)
    # If the unit of work does not commit, no row will ever point at the file: delete it then.
    on_rollback(session, lambda: path.unlink(missing_ok=True))
    document = ApplicationDocument(
        application_id=application.id,
        uploaded_by_id=user.id,
        original_name=safe_display_name(filename, content_type),
        kind=kind,
        stored_name=stored_name,
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    session.add(document)
    session.flush()
    record(
        session,
        application,
        user,
        "document_added",
        {
            "document_id": document.id,
            "kind": document.kind,
            "name": document.original_name,
            "sha256": document.sha256,
        },
    )
    return document


def _document_of(session: so.Session, application: LoanApplication, document_id: int) -> ApplicationDocument:
    document = session.get(ApplicationDocument, document_id)
    if document is None or document.application_id != application.id:
        raise NotFound(N_("No such document."))
    return document


def readable_document(
    session: so.Session, user: User, application_id: int, document_id: int, folder: Path
) -> tuple[ApplicationDocument, Path]:
    """A document the user may download (owner, fund managers, regulators) and its file path."""
    application = readable_application(session, user, application_id)
    document = _document_of(session, application, document_id)
    path = folder / document.stored_name
    if not path.is_file():
        raise NotFound(N_("The document's file is missing; ask the platform to restore it."))
    return document, path


def remove_document(
    session: so.Session, user: User, application_id: int, document_id: int, folder: Path
) -> ApplicationDocument:
    """The owner removes a document while the application is still editable.

    The file is deleted only after the unit of work commits, so a failed commit never leaves a
    row pointing at a deleted file.
    """
    application = own_application(session, user, application_id)
    if application.status not in EDITABLE_STATUSES:
        raise InvalidState(
            N_("Documents can be removed only from a draft or an application awaiting information.")
        )
    document = _document_of(session, application, document_id)
    record(
        session,
        application,
        user,
        "document_removed",
        {
            "document_id": document.id,
            "kind": document.kind,
            "name": document.original_name,
            "sha256": document.sha256,
        },
    )
    session.delete(document)
    session.flush()
    path = folder / document.stored_name
    after_commit(session, lambda: path.unlink(missing_ok=True))
    return document
