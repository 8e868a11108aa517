"""What the audit log's codes mean, for people: each action and object type as a translatable name.

The log stores stable codes (`auth.signed_in`, `ledger_transaction 7`); pages show these names in
the reader's language, with the code beside them for anyone matching the log to an export.
"""

from __future__ import annotations

from marketplace.domain_errors import N_
from marketplace.rules.application_states import EVENT_NAMES

ACTION_NAMES = {
    "auth.signed_in": N_("Signed in"),
    "auth.sign_in_failed": N_("Failed sign-in"),
    "auth.signed_out": N_("Signed out"),
    "auth.token_issued": N_("API token issued"),
    "auth.token_revoked": N_("API token revoked"),
    "user.registered": N_("Account registered"),
    "user.created": N_("Account created"),
    "user.password_changed": N_("Password changed"),
    "user.signed_out_everywhere": N_("Signed out everywhere"),
    "user.password_reset_requested": N_("Password reset requested"),
    "user.password_reset": N_("Password reset through an e-mailed link"),
    "user.password_reset_sent": N_("Password reset link sent by an administrator"),
    "user.disabled": N_("Account disabled"),
    "user.enabled": N_("Account enabled again"),
    "user.unlocked": N_("Sign-in unlocked"),
    "user.role_changed": N_("Role changed"),
    "enterprise.created": N_("Enterprise profile created"),
    "enterprise.updated": N_("Enterprise profile changed"),
    "statement.filed": N_("Statement filed"),
    "statement.replaced": N_("Statement replaced"),
    "model.trained": N_("Credit model trained"),
    "model.promoted": N_("Credit model promoted"),
    "ledger.posted": N_("Ledger transaction posted"),
    "payment.status": N_("Payment status changed"),
    # A deposit's payload names credited_owner "fund" when an admin deposits the fund's capital.
    "payment.deposit_requested": N_("Deposit requested"),
    "payment.payout_requested": N_("Withdrawal requested"),
    "fund.policy_changed": N_("Fund policy changed"),
    "listing.opened": N_("Listing opened"),
    "investor.questionnaire_answered": N_("Risk questionnaire answered"),
    "bid.placed": N_("Bid placed"),
    "bid.cancelled": N_("Bid cancelled"),
    "bid.lowered": N_("Bid lowered"),
    "autoinvest.rule_created": N_("Auto-invest rule saved"),
    "autoinvest.rule_deleted": N_("Auto-invest rule deleted"),
    "listing.closed": N_("Listing closed"),
    "loan.created": N_("Loan made and disbursed"),
    # Every application transition is logged as application.<event>.
    **{f"application.{event}": name for event, name in EVENT_NAMES.items()},
}

OBJECT_NAMES = {
    "user": N_("Account"),
    "api_token": N_("API token"),
    "enterprise": N_("Enterprise"),
    "financial_statement": N_("Statement"),
    "loan_application": N_("Application"),
    "model": N_("Credit model"),
    "ledger_transaction": N_("Ledger transaction"),
    "payment": N_("Payment"),
    "fund_policy": N_("Fund policy version"),
    "listing": N_("Listing"),
    "risk_questionnaire": N_("Risk questionnaire"),
    "bid": N_("Bid"),
    "autoinvest_rule": N_("Auto-invest rule"),
    "loan": N_("Loan"),
}
