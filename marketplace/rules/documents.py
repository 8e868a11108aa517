"""The document checklist: which supporting documents an application carries before submission.

Each uploaded document has a kind. A checklist item is satisfied by at least one document of its
kind; the required items must all be satisfied before the SME can submit. Which items are
required is configuration (DOCUMENT_CHECKLIST_REQUIRED, README "Configuration"); the items
themselves, their order and their names are fixed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from marketplace.domain_errors import N_

# Checklist items in the order pages show them: what a lender asks an SME for (the business
# licence and the latest financial statements first; six months of bank statements and a tax
# payment certificate when the fund manager wants more).
CHECKLIST_NAMES = {
    "business_licence": N_("Business licence"),
    "financial_statements": N_("Latest financial statements"),
    "bank_statements": N_("Bank statements for the last six months"),
    "tax_certificate": N_("Tax payment certificate"),
}
# A document that fits no item (a contract, a photo of the premises): kept and shown, but it
# satisfies nothing and cannot be required. Uploads without a kind, and documents uploaded before
# kinds existed, are of this kind.
OTHER = "other"
KIND_NAMES = {**CHECKLIST_NAMES, OTHER: N_("Other document")}
DOCUMENT_KINDS = tuple(KIND_NAMES)
DEFAULT_REQUIRED = ("business_licence", "financial_statements")
MAX_KIND_CHARS = 30
# How names are listed in a sentence: "A, B, C" in English, "A、B、C" in Chinese (the translator's).
LIST_PATTERN = N_("%(list)s, %(item)s")


class UnknownChecklistCode(ValueError):
    """A required code that is not a checklist item."""


@dataclass(frozen=True)
class ChecklistItem:
    """One item of an application's checklist and the documents that satisfy it."""

    code: str
    name: str  # a message id, translated where it is shown
    required: bool
    documents: tuple = ()  # the documents of this kind, in upload order

    @property
    def satisfied(self) -> bool:
        """True when at least one document of this kind was uploaded."""
        return bool(self.documents)


def required_codes(value: str | Iterable[str]) -> tuple[str, ...]:
    """The required items from "business_licence,financial_statements" (or an iterable of codes),
    in checklist order; an empty value requires nothing. Unknown codes raise UnknownChecklistCode."""
    codes, unknown = set(), []
    for code in value.split(",") if isinstance(value, str) else value:
        code = code.strip() if isinstance(code, str) else code
        if isinstance(code, str) and code in CHECKLIST_NAMES:
            codes.add(code)
        elif code != "":
            unknown.append(repr(code))
    if unknown:
        raise UnknownChecklistCode(
            f"not checklist items: {', '.join(unknown)} (the items: {', '.join(CHECKLIST_NAMES)}; "
            f"'{OTHER}' documents satisfy nothing and cannot be required)"
        )
    return tuple(code for code in CHECKLIST_NAMES if code in codes)


def checklist(required: Iterable[str], documents: Iterable) -> list[ChecklistItem]:
    """Every checklist item with its required flag and the `documents` (objects with a `kind`)
    that satisfy it; documents of kind "other" or of no item satisfy nothing."""
    required = set(required)
    by_kind: dict[str, list] = {code: [] for code in CHECKLIST_NAMES}
    for document in documents:
        if document.kind in by_kind:
            by_kind[document.kind].append(document)
    return [
        ChecklistItem(code, name, code in required, tuple(by_kind[code]))
        for code, name in CHECKLIST_NAMES.items()
    ]


def missing_items(items: Iterable[ChecklistItem]) -> list[ChecklistItem]:
    """The required items that no document satisfies yet, in checklist order."""
    return [item for item in items if item.required and not item.satisfied]


def listing(names: Iterable[str], translate=lambda text: text) -> str:
    """The names as one list in the reader's language, joined by LIST_PATTERN."""
    names = list(names)
    while len(names) > 1:
        names[:2] = [translate(LIST_PATTERN) % {"list": names[0], "item": names[1]}]
    return names[0] if names else ""
