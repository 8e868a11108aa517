"""SQLAlchemy models, split by aggregate; importing this package registers them all."""

from marketplace.models.applications import ApplicationDocument, LoanApplication
from marketplace.models.assessments import CreditAssessment
from marketplace.models.audit import AuditEvent
from marketplace.models.credit_models import CreditModelVersion as CreditModelVersion
from marketplace.models.enterprises import Enterprise, FinancialStatement
from marketplace.models.fund import FUND_ID, FundPolicyVersion
from marketplace.models.integrity import IntegrityCheckpoint as IntegrityCheckpoint
from marketplace.models.investors import AutoInvestRule, RiskQuestionnaire
from marketplace.models.ledger import LedgerAccount, LedgerEntry, LedgerTransaction
from marketplace.models.listings import Bid, Listing
from marketplace.models.loans import Loan, LoanPart
from marketplace.models.notifications import Notification
from marketplace.models.payments import (
    IdempotentRequest,
    Payment,
    PaymentStatusChange,
    SandboxObject,
    WebhookEvent,
)
from marketplace.models.users import LOCALES, ROLES, SELF_REGISTERED_ROLES, ApiToken, User

__all__ = [
    "FUND_ID",
    "LOCALES",
    "ROLES",
    "SELF_REGISTERED_ROLES",
    "ApiToken",
    "ApplicationDocument",
    "AutoInvestRule",
    "Bid",
    "AuditEvent",
    "CreditAssessment",
    "Enterprise",
    "FinancialStatement",
    "FundPolicyVersion",
    "IdempotentRequest",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerTransaction",
    "Listing",
    "Loan",
    "LoanApplication",
    "LoanPart",
    "Notification",
    "Payment",
    "PaymentStatusChange",
    "RiskQuestionnaire",
    "SandboxObject",
    "User",
    "WebhookEvent",
]
