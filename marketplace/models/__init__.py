"""SQLAlchemy models, split by aggregate; importing this package registers them all."""

from marketplace.models.applications import ApplicationDocument, LoanApplication
from marketplace.models.assessments import CreditAssessment
from marketplace.models.audit import AuditEvent
from marketplace.models.credit_models import CreditModelVersion as CreditModelVersion
from marketplace.models.enterprises import Enterprise, FinancialStatement
from marketplace.models.integrity import IntegrityCheckpoint as IntegrityCheckpoint
from marketplace.models.ledger import LedgerAccount, LedgerEntry, LedgerTransaction
from marketplace.models.payments import (
    IdempotentRequest,
    Payment,
    PaymentStatusChange,
    SandboxObject,
    WebhookEvent,
)
from marketplace.models.users import LOCALES, ROLES, SELF_REGISTERED_ROLES, ApiToken, User

__all__ = [
    "LOCALES",
    "ROLES",
    "SELF_REGISTERED_ROLES",
    "ApiToken",
    "ApplicationDocument",
    "AuditEvent",
    "CreditAssessment",
    "Enterprise",
    "FinancialStatement",
    "IdempotentRequest",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerTransaction",
    "LoanApplication",
    "Payment",
    "PaymentStatusChange",
    "SandboxObject",
    "User",
    "WebhookEvent",
]
