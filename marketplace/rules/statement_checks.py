"""Consistency checks of one year's financial statement (amounts in integer fen)."""

from __future__ import annotations

from collections.abc import Mapping

from marketplace.domain_errors import N_
from scoring.statements import STATEMENT_FIELDS

# Profits, equity and retained earnings can be negative (losses); nothing else can.
MAY_BE_NEGATIVE = frozenset(
    {"operating_profit", "profit_before_tax", "net_profit", "equity", "retained_earnings"}
)
NON_NEGATIVE = tuple(name for name in STATEMENT_FIELDS if name not in MAY_BE_NEGATIVE)
BALANCE_TOLERANCE_FEN = 100  # ¥1: statements are often rounded to the yuan

MSG_NEGATIVE = N_("This amount cannot be negative.")
MSG_BALANCE = N_("Total assets must equal total liabilities plus equity (within ¥1).")
MSG_CURRENT_ASSETS = N_("Current assets cannot exceed total assets.")
MSG_CURRENT_PARTS = N_("Inventory, receivables and cash together cannot exceed current assets.")
MSG_ASSET_PARTS = N_("Fixed assets and current assets together cannot exceed total assets.")
MSG_CURRENT_LIABILITIES = N_("Current liabilities cannot exceed total liabilities.")


def statement_problems(values: Mapping[str, int]) -> dict[str, list[str]]:
    """Field name -> messages for every rule the statement breaks; empty when consistent."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    for name in NON_NEGATIVE:
        if values[name] < 0:
            add(name, MSG_NEGATIVE)
    # The balance sheet identity: assets = liabilities + equity.
    if abs(values["total_assets"] - values["total_liabilities"] - values["equity"]) > BALANCE_TOLERANCE_FEN:
        add("total_assets", MSG_BALANCE)
    if values["current_assets"] > values["total_assets"]:
        add("current_assets", MSG_CURRENT_ASSETS)
    elif values["fixed_assets"] + values["current_assets"] > values["total_assets"]:
        add("fixed_assets", MSG_ASSET_PARTS)
    if values["inventory"] + values["receivables"] + values["cash"] > values["current_assets"]:
        add("current_assets", MSG_CURRENT_PARTS)
    if values["current_liabilities"] > values["total_liabilities"]:
        add("current_liabilities", MSG_CURRENT_LIABILITIES)
    return problems
