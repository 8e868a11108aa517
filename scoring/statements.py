"""Financial statements → model features (Polish AttrN ratios) and display ratios.

The field vocabulary of the SME statement form is mapped onto the terms of the Polish
bankruptcy data set (see ``scoring/data/POLISH_ATTRIBUTES.md`` and ``docs/scoring.md``):

* gross profit = ``profit_before_tax``; profit on operating activities = ``operating_profit``;
  financial expenses / interest = ``interest_expense``; short-term liabilities =
  ``current_liabilities``; sales = ``revenue``; cost of products sold = ``cost_of_sales``.
* operating expenses = ``cost_of_sales``: the form does not collect selling and administrative
  expenses separately, and cost of sales is the bulk of operating expenses of an SME.
* EBIT = profit_before_tax + interest_expense; long-term liabilities = total_liabilities −
  current_liabilities; constant capital = equity + long-term liabilities; working capital =
  current_assets − current_liabilities.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

STATEMENT_FIELDS: tuple[str, ...] = (
    "revenue",
    "cost_of_sales",
    "operating_profit",
    "profit_before_tax",
    "net_profit",
    "depreciation",
    "interest_expense",
    "total_assets",
    "fixed_assets",
    "current_assets",
    "inventory",
    "receivables",
    "cash",
    "total_liabilities",
    "current_liabilities",
    "equity",
    "share_capital",
    "retained_earnings",
)

# Attributes that cannot be computed from the form, and why (documented in docs/scoring.md).
LEFT_OUT: dict[str, str] = {
    "Attr5": "needs short-term securities, which the form does not collect",
    "Attr11": "needs extraordinary items, which the form does not collect",
    "Attr29": "log of total assets depends on the currency scale (PLN vs CNY)",
    "Attr35": "needs profit on sales, which the form does not collect",
    "Attr39": "needs profit on sales, which the form does not collect",
    "Attr55": "working capital in thousands of PLN depends on the currency scale",
    "Attr58": "needs total costs, which the form does not collect (revenue - profit before "
    "tax has Spearman rho 0.74 with the data's values, so it is a different quantity)",
}

FEATURES: tuple[str, ...] = tuple(f"Attr{i}" for i in range(1, 65) if f"Attr{i}" not in LEFT_OUT)

# Ratios that need earlier years' statements. In the training data a missing Attr21 marks a
# company that stopped reporting (96 % of them went bankrupt); for an SME it only means that
# fewer years were filed. The model therefore imputes them instead of learning from their
# absence, so filing one year is not read as a sign of default.
PRIOR_YEAR_FEATURES: tuple[str, ...] = ("Attr21", "Attr24")

_NAN = float("nan")
_DAYS = 365.0


def _num(statement: Mapping[str, Any] | None, key: str) -> float:
    """Return a field as float, NaN when absent, None or not a finite number."""
    if statement is None:
        return _NAN
    value = statement.get(key)
    if value is None or isinstance(value, bool):
        return _NAN
    try:
        number = float(value)
    except (TypeError, ValueError, InvalidOperation):
        return _NAN
    return number if math.isfinite(number) else _NAN


def _div(numerator: float, denominator: float) -> float:
    """Safe ratio: NaN for missing inputs, a zero denominator or an overflow, never inf."""
    if math.isnan(numerator) or math.isnan(denominator) or denominator == 0.0:
        return _NAN
    result = numerator / denominator
    return result if math.isfinite(result) else _NAN


def statement_features(
    statement: Mapping[str, Any], prior_statements: Sequence[Mapping[str, Any]] = ()
) -> dict[str, float]:
    """Map a statement (+ prior years, most recent first) to the model's AttrN features."""
    g = {key: _num(statement, key) for key in STATEMENT_FIELDS}
    prev1 = prior_statements[0] if len(prior_statements) > 0 else None
    prev2 = prior_statements[1] if len(prior_statements) > 1 else None

    sales, cogs, opex = g["revenue"], g["cost_of_sales"], g["cost_of_sales"]
    op, gp, net = g["operating_profit"], g["profit_before_tax"], g["net_profit"]
    dep, interest = g["depreciation"], g["interest_expense"]
    ta, fa, ca = g["total_assets"], g["fixed_assets"], g["current_assets"]
    inv, rec, cash = g["inventory"], g["receivables"], g["cash"]
    tl, cl, eq = g["total_liabilities"], g["current_liabilities"], g["equity"]

    ebit = gp + interest
    ltl = tl - cl
    constant_capital = eq + ltl
    wc = ca - cl
    gp3 = gp + _num(prev1, "profit_before_tax") + _num(prev2, "profit_before_tax")

    f = {
        "Attr1": _div(net, ta),
        "Attr2": _div(tl, ta),
        "Attr3": _div(wc, ta),
        "Attr4": _div(ca, cl),
        "Attr6": _div(g["retained_earnings"], ta),
        "Attr7": _div(ebit, ta),
        "Attr8": _div(eq, tl),
        "Attr9": _div(sales, ta),
        "Attr10": _div(eq, ta),
        "Attr12": _div(gp, cl),
        "Attr13": _div(gp + dep, sales),
        "Attr14": _div(gp + interest, ta),
        "Attr15": _div(tl * _DAYS, gp + dep),
        "Attr16": _div(gp + dep, tl),
        "Attr17": _div(ta, tl),
        "Attr18": _div(gp, ta),
        "Attr19": _div(gp, sales),
        "Attr20": _div(inv * _DAYS, sales),
        "Attr21": _div(sales, _num(prev1, "revenue")),
        "Attr22": _div(op, ta),
        "Attr23": _div(net, sales),
        "Attr24": _div(gp3, ta),
        "Attr25": _div(eq - g["share_capital"], ta),
        "Attr26": _div(net + dep, tl),
        "Attr27": _div(op, interest),
        "Attr28": _div(wc, fa),
        "Attr30": _div(tl - cash, sales),
        "Attr31": _div(gp + interest, sales),
        "Attr32": _div(cl * _DAYS, cogs),
        "Attr33": _div(opex, cl),
        "Attr34": _div(opex, tl),
        "Attr36": _div(sales, ta),
        "Attr37": _div(ca - inv, ltl),
        "Attr38": _div(constant_capital, ta),
        "Attr40": _div(ca - inv - rec, cl),
        "Attr41": _div(tl, (op + dep) * (12.0 / _DAYS)),
        "Attr42": _div(op, sales),
        "Attr43": _div(rec * _DAYS, sales) + _div(inv * _DAYS, sales),
        "Attr44": _div(rec * _DAYS, sales),
        "Attr45": _div(net, inv),
        "Attr46": _div(ca - inv, cl),
        "Attr47": _div(inv * _DAYS, cogs),
        # The source defines "EBITDA" as operating profit MINUS depreciation; the training
        # values were computed that way, so we follow the definition, not the name.
        "Attr48": _div(op - dep, ta),
        "Attr49": _div(op - dep, sales),
        "Attr50": _div(ca, tl),
        "Attr51": _div(cl, ta),
        "Attr52": _div(cl * _DAYS, cogs),
        "Attr53": _div(eq, fa),
        "Attr54": _div(constant_capital, fa),
        "Attr56": _div(sales - cogs, sales),
        "Attr57": _div(ca - inv - cl, sales - gp - dep),
        "Attr59": _div(ltl, eq),
        "Attr60": _div(sales, inv),
        "Attr61": _div(sales, rec),
        "Attr62": _div(cl * _DAYS, sales),
        "Attr63": _div(sales, cl),
        "Attr64": _div(sales, fa),
    }
    return {name: f[name] for name in FEATURES}


# ---------------------------------------------------------------------------------------------
# Display ratios: exact Decimal arithmetic so the web app shows the same figure every time.

_FOUR_PLACES = Decimal("0.0001")


def _dec(statement: Mapping[str, Any] | None, key: str) -> Decimal | None:
    """Return a field as an exact Decimal (floats via their shortest repr), None if missing."""
    if statement is None:
        return None
    value = statement.get(key)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """Quantized ratio (4 places, ROUND_HALF_UP); None for missing input or zero denominator."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 34
        return (numerator / denominator).quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)


def _sub(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a + b


def key_ratios(
    current: Mapping[str, Any], prior: Mapping[str, Any] | None = None
) -> dict[str, Decimal | None]:
    """Key display ratios as Decimals quantized to 4 places; None when not computable."""
    d = {key: _dec(current, key) for key in STATEMENT_FIELDS}
    revenue = d["revenue"]
    return {
        "debt_ratio": _ratio(d["total_liabilities"], d["total_assets"]),
        "current_ratio": _ratio(d["current_assets"], d["current_liabilities"]),
        "gross_margin": _ratio(_sub(revenue, d["cost_of_sales"]), revenue),
        "net_margin": _ratio(d["net_profit"], revenue),
        "return_on_assets": _ratio(d["net_profit"], d["total_assets"]),
        "interest_coverage": _ratio(
            _add(d["profit_before_tax"], d["interest_expense"]), d["interest_expense"]
        ),
        "revenue_growth": _ratio(_sub(revenue, _dec(prior, "revenue")), _dec(prior, "revenue")),
    }
