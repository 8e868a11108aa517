"""The SME's enterprise profile: one per account, identified by a valid, unique USCC."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from marketplace.domain_errors import (
    N_,
    Conflict,
    InvalidState,
    NotAllowed,
    ValidationFailed,
    refuse_unknown_fields,
)
from marketplace.models import Enterprise, LoanApplication, User
from marketplace.money import MAX_ABS_FEN
from marketplace.rules.catalogue import CATEGORIES, INDUSTRIES, TAX_CREDIT_RATINGS
from marketplace.rules.limits import MAX_EMPLOYEES
from marketplace.rules.uscc import uscc_problem
from marketplace.services import audit

PROFILE_FIELDS = (
    "name",
    "uscc",
    "legal_representative",
    "founded_on",
    "registered_capital_fen",
    "industry",
    "employees",
    "district",
    "tax_credit_rating",
    "category",
    "contact_phone",
)
REQUIRED_FIELDS = tuple(name for name in PROFILE_FIELDS if name != "contact_phone")
TEXT_LIMITS = {"name": 200, "legal_representative": 100, "district": 100}
EARLIEST_FOUNDING = date(1900, 1, 1)  # older dates are typing mistakes (e.g. 0001-01-01)
# Mainland China mobile numbers: 11 digits starting 13-19 (MIIT numbering plan).
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")

MSG_REQUIRED = N_("This field is required.")
MSG_TOO_LONG = N_("This text is too long.")


def enterprise_of(session: so.Session, user: User) -> Enterprise | None:
    """The enterprise owned by `user`, if any."""
    return session.scalar(sa.select(Enterprise).where(Enterprise.owner_id == user.id))


def _require_sme(user: User) -> None:
    if user.role != "sme":
        raise NotAllowed(N_("Only SME accounts have an enterprise profile."))


def profile_problems(data: dict, *, today: date) -> dict[str, list[str]]:
    """Field name -> messages for every profile rule that `data` breaks."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    for name in REQUIRED_FIELDS:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            add(name.removesuffix("_fen"), MSG_REQUIRED)
    for name, limit in TEXT_LIMITS.items():
        if isinstance(data.get(name), str) and len(data[name].strip()) > limit:
            add(name, MSG_TOO_LONG)
    if data.get("uscc") and (problem := uscc_problem(data["uscc"])):
        add("uscc", problem.message)
    founded = data.get("founded_on")
    if isinstance(founded, date) and founded > today:
        add("founded_on", N_("The founding date cannot be in the future."))
    elif isinstance(founded, date) and founded < EARLIEST_FOUNDING:
        add("founded_on", N_("The founding date must be in 1900 or later."))
    capital = data.get("registered_capital_fen")
    if isinstance(capital, int) and not 0 <= capital <= MAX_ABS_FEN:
        add("registered_capital", N_("Registered capital must be between ¥0 and ¥10,000,000,000."))
    employees = data.get("employees")
    if isinstance(employees, int) and not 0 <= employees <= MAX_EMPLOYEES:
        add("employees", N_("The number of employees must be between 0 and 10,000,000."))
    if data.get("industry") and data["industry"] not in INDUSTRIES:
        add("industry", N_("Choose an industry section from A to T."))
    if data.get("tax_credit_rating") and data["tax_credit_rating"] not in TAX_CREDIT_RATINGS:
        add("tax_credit_rating", N_("The tax credit rating is one of A, B, M, C and D."))
    if data.get("category") and data["category"] not in CATEGORIES:
        add("category", N_("Choose government, livelihood, industry or none."))
    phone = data.get("contact_phone")
    if phone and not MOBILE_PATTERN.match(phone):
        add("contact_phone", N_("Enter a mainland mobile number: 11 digits starting with 13 to 19."))
    return problems


# While an application is being reviewed, its profile and statements are what was scored and
# approved; a change would make the second approver see other figures than the first.
UNDER_REVIEW = ("submitted", "in_review", "awaiting_second_approval")


def ensure_not_under_review(session: so.Session, enterprise: Enterprise | None) -> None:
    """Refuse changes to a profile or statements that an application under review relies on."""
    if enterprise is None:
        return
    busy = session.scalar(
        sa.select(LoanApplication.id)
        .where(LoanApplication.enterprise_id == enterprise.id, LoanApplication.status.in_(UNDER_REVIEW))
        .limit(1)
    )
    if busy is not None:
        raise InvalidState(
            N_(
                "An application is being reviewed on these figures, so they cannot change "
                "until the review ends. Withdraw the application to change them."
            )
        )


def _check_code_kept(session: so.Session, enterprise: Enterprise, new_code: str) -> None:
    # The per-enterprise cap (art. 17) is counted by code: once an application has been
    # submitted under a code, moving the account to another code would escape the cap.
    if enterprise.uscc == new_code:
        return
    submitted = session.scalar(
        sa.select(LoanApplication.id)
        .where(LoanApplication.enterprise_id == enterprise.id, LoanApplication.submitted_at.is_not(None))
        .limit(1)
    )
    if submitted is not None:
        message = N_("The unified social credit code cannot change after an application was submitted.")
        raise ValidationFailed(message, fields={"uscc": [message]})


def save_enterprise(session: so.Session, user: User, data: dict, *, today: date) -> Enterprise:
    """Create or replace the SME's enterprise profile after every rule passes; audited."""
    _require_sme(user)
    refuse_unknown_fields(data, PROFILE_FIELDS)
    data = {name: (value.strip() if isinstance(value, str) else value) for name, value in data.items()}
    data["contact_phone"] = data.get("contact_phone") or None
    problems = profile_problems(data, today=today)
    if problems:
        raise ValidationFailed(N_("The enterprise profile has errors; see the fields."), fields=problems)
    enterprise = session.scalar(sa.select(Enterprise).where(Enterprise.owner_id == user.id).with_for_update())
    taken = session.scalar(
        sa.select(Enterprise.id).where(Enterprise.uscc == data["uscc"], Enterprise.owner_id != user.id)
    )
    if taken is not None:
        # Say only that the code is taken: nothing about the account that holds it.
        message = N_("This unified social credit code is already registered on the platform.")
        raise Conflict(message, fields={"uscc": [message]})
    created = enterprise is None
    if not created:
        ensure_not_under_review(session, enterprise)
        _check_code_kept(session, enterprise, data["uscc"])
    if created:
        enterprise = Enterprise(owner_id=user.id)
        session.add(enterprise)
    before = {name: _plain(getattr(enterprise, name, None)) for name in PROFILE_FIELDS}
    for name in PROFILE_FIELDS:
        setattr(enterprise, name, data[name])
    try:
        session.flush()
    except sa.exc.IntegrityError:
        # Another account registered the same code at the same moment (unique constraint).
        message = N_("This unified social credit code is already registered on the platform.")
        raise Conflict(message, fields={"uscc": [message]}) from None
    changed = {name: _plain(data[name]) for name in PROFILE_FIELDS if _plain(data[name]) != before[name]}
    audit.record(
        session,
        actor=user,
        action="enterprise.created" if created else "enterprise.updated",
        object_type="enterprise",
        object_id=enterprise.id,
        payload={"changed": changed},
    )
    return enterprise


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def missing_for_submission(enterprise: Enterprise | None) -> list[str]:
    """Messages naming what the SME must still provide before an application can be submitted."""
    missing = []
    if enterprise is None:
        missing.append(N_("Complete your enterprise profile."))
    else:
        if any(getattr(enterprise, name) in (None, "") for name in REQUIRED_FIELDS):
            missing.append(N_("Complete your enterprise profile."))
        if not enterprise.statements:
            missing.append(N_("File at least one year's financial statement."))
    return missing
