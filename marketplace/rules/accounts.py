"""Who uses the platform: roles, the roles that may register themselves, interface languages."""

from __future__ import annotations

from marketplace.domain_errors import N_

ROLES = ("sme", "investor", "fund_manager", "regulator", "admin")
SELF_REGISTERED_ROLES = ("sme", "investor")
# Roles that hold a wallet (deposit, withdraw, bid, repay).
WALLET_ROLES = ("sme", "investor")
# Roles that read every application (the SME reads only its own).
APPLICATION_READERS = ("fund_manager", "regulator")
ROLE_NAMES = {
    "sme": N_("Enterprise"),
    "investor": N_("Investor"),
    "fund_manager": N_("Fund manager"),
    "regulator": N_("Regulator"),
    "admin": N_("Administrator"),
    "system": N_("System"),
}

# Interface languages by the app's codes; Babel reads "zh_CN" as zh_Hans_CN.
LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
