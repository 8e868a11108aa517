"""SQLAlchemy models, split by aggregate; importing this package registers them all."""

from marketplace.models.audit import AuditEvent
from marketplace.models.ledger import LedgerAccount, LedgerEntry, LedgerTransaction
from marketplace.models.payments import (
    IdempotentRequest,
    Payment,
    PaymentStatusChange,
    SandboxObject,
    WebhookEvent,
)
from marketplace.models.users import LOCALES, ROLES, SELF_REGISTERED_ROLES, ApiToken, User

__all__ = ["LOCALES", "ROLES", "SELF_REGISTERED_ROLES", "ApiToken", "AuditEvent", "User"]
__all__ += ["LedgerAccount", "LedgerEntry", "LedgerTransaction"]
__all__ += ["IdempotentRequest", "Payment", "PaymentStatusChange", "SandboxObject", "WebhookEvent"]
