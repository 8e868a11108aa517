"""SQLAlchemy models, split by aggregate; importing this package registers them all."""

from marketplace.models.audit import AuditEvent
from marketplace.models.users import LOCALES, ROLES, SELF_REGISTERED_ROLES, ApiToken, User

__all__ = ["LOCALES", "ROLES", "SELF_REGISTERED_ROLES", "ApiToken", "AuditEvent", "User"]

from marketplace.models.applications import ApplicationDocument, LoanApplication  # noqa: E402
from marketplace.models.enterprises import Enterprise, FinancialStatement  # noqa: E402

__all__ += ["ApplicationDocument", "Enterprise", "FinancialStatement", "LoanApplication"]
