import math
from decimal import Decimal

import pytest

from scoring.statements import FEATURES, LEFT_OUT, STATEMENT_FIELDS, key_ratios, statement_features

STATEMENT = {
    "revenue": 1000, "cost_of_sales": 600, "operating_profit": 150, "profit_before_tax": 120,
    "net_profit": 90, "depreciation": 40, "interest_expense": 30, "total_assets": 2000,
    "fixed_assets": 800, "current_assets": 1200, "inventory": 300, "receivables": 250,
    "cash": 100, "total_liabilities": 1100, "current_liabilities": 700, "equity": 900,
    "share_capital": 500, "retained_earnings": 250,
}  # fmt: skip
PRIORS = ({"revenue": 800, "profit_before_tax": 100}, {"revenue": 700, "profit_before_tax": 60})


def expected_by_definition():
    """Each AttrN written from POLISH_ATTRIBUTES.md with the documented field mapping."""
    sales, cogs, opex = 1000, 600, 600  # operating expenses = cost of sales
    gross, op, net, dep, interest = 120, 150, 90, 40, 30
    ta, fa, ca, inv, rec, cash = 2000, 800, 1200, 300, 250, 100
    tl, stl, eq, share, retained = 1100, 700, 900, 500, 250
    ltl = tl - stl
    wc, ebit, constant = ca - stl, gross + interest, eq + ltl
    return {
        "Attr1": net / ta, "Attr2": tl / ta, "Attr3": wc / ta, "Attr4": ca / stl,
        "Attr6": retained / ta, "Attr7": ebit / ta, "Attr8": eq / tl, "Attr9": sales / ta,
        "Attr10": eq / ta, "Attr12": gross / stl, "Attr13": (gross + dep) / sales,
        "Attr14": (gross + interest) / ta, "Attr15": tl * 365 / (gross + dep),
        "Attr16": (gross + dep) / tl, "Attr17": ta / tl, "Attr18": gross / ta,
        "Attr19": gross / sales, "Attr20": inv * 365 / sales, "Attr21": sales / 800,
        "Attr22": op / ta, "Attr23": net / sales, "Attr24": (120 + 100 + 60) / ta,
        "Attr25": (eq - share) / ta, "Attr26": (net + dep) / tl, "Attr27": op / interest,
        "Attr28": wc / fa, "Attr30": (tl - cash) / sales, "Attr31": (gross + interest) / sales,
        "Attr32": stl * 365 / cogs, "Attr33": opex / stl, "Attr34": opex / tl,
        "Attr36": sales / ta, "Attr37": (ca - inv) / ltl, "Attr38": constant / ta,
        "Attr40": (ca - inv - rec) / stl, "Attr41": tl / ((op + dep) * 12 / 365),
        "Attr42": op / sales, "Attr43": rec * 365 / sales + inv * 365 / sales,
        "Attr44": rec * 365 / sales, "Attr45": net / inv, "Attr46": (ca - inv) / stl,
        "Attr47": inv * 365 / cogs, "Attr48": (op - dep) / ta, "Attr49": (op - dep) / sales,
        "Attr50": ca / tl, "Attr51": stl / ta, "Attr52": stl * 365 / cogs, "Attr53": eq / fa,
        "Attr54": constant / fa, "Attr56": (sales - cogs) / sales,
        "Attr57": (ca - inv - stl) / (sales - gross - dep), "Attr59": ltl / eq,
        "Attr60": sales / inv, "Attr61": sales / rec, "Attr62": stl * 365 / sales,
        "Attr63": sales / stl, "Attr64": sales / fa,
    }  # fmt: skip


def test_statement_fields_are_the_eighteen_form_keys_in_order():
    assert STATEMENT_FIELDS[0] == "revenue" and STATEMENT_FIELDS[-1] == "retained_earnings"
    assert len(STATEMENT_FIELDS) == 18 == len(set(STATEMENT_FIELDS))


def test_features_are_all_attrs_except_the_documented_left_out_ones():
    assert set(FEATURES) | set(LEFT_OUT) == {f"Attr{i}" for i in range(1, 65)}
    assert not set(FEATURES) & set(LEFT_OUT)


@pytest.mark.parametrize("feature", FEATURES)
def test_every_feature_reproduces_its_polish_definition(feature):
    got = statement_features(STATEMENT, PRIORS)
    assert got[feature] == pytest.approx(expected_by_definition()[feature], rel=1e-12)


def test_features_are_scale_free_and_accept_decimal_and_float():
    base = statement_features(STATEMENT, PRIORS)
    in_fen = {k: v * 100 for k, v in STATEMENT.items()}
    as_decimal = {k: Decimal(v) / 7 for k, v in STATEMENT.items()}
    priors_decimal = [{k: Decimal(v) / 7 for k, v in p.items()} for p in PRIORS]
    for other in (
        statement_features(in_fen, [{k: v * 100 for k, v in p.items()} for p in PRIORS]),
        statement_features(as_decimal, priors_decimal),
    ):
        for name in FEATURES:
            assert other[name] == pytest.approx(base[name], rel=1e-9)


def test_zero_denominators_give_nan_never_inf():
    zeroed = dict.fromkeys(STATEMENT_FIELDS, 0)
    features = statement_features(zeroed, [{"revenue": 0, "profit_before_tax": 0}] * 2)
    assert set(features) == set(FEATURES)
    assert all(math.isnan(v) for v in features.values())


def test_zero_revenue_makes_sales_ratios_nan_but_keeps_balance_sheet_ratios():
    features = statement_features({**STATEMENT, "revenue": 0})
    assert math.isnan(features["Attr19"]) and math.isnan(features["Attr20"])
    assert features["Attr2"] == pytest.approx(1100 / 2000)


def test_missing_fields_and_priors_give_nan():
    partial = {k: v for k, v in STATEMENT.items() if k != "inventory"}
    partial["cash"] = None
    features = statement_features(partial)
    for name in (
        "Attr20",
        "Attr37",
        "Attr40",
        "Attr45",
        "Attr46",
        "Attr47",
        "Attr60",
        "Attr30",
        "Attr21",
        "Attr24",
    ):
        assert math.isnan(features[name]), name
    assert features["Attr1"] == pytest.approx(90 / 2000)
    one_prior = statement_features(STATEMENT, PRIORS[:1])
    assert one_prior["Attr21"] == pytest.approx(1.25) and math.isnan(one_prior["Attr24"])
    assert all(math.isnan(v) for v in statement_features({}).values())


def test_key_ratios_hand_computed():
    prior = {"revenue": 800}
    ratios = key_ratios(STATEMENT, prior)
    assert ratios == {
        "debt_ratio": Decimal("0.5500"),
        "current_ratio": Decimal("1.7143"),  # 1200/700 = 1.714285…
        "gross_margin": Decimal("0.4000"),
        "net_margin": Decimal("0.0900"),
        "return_on_assets": Decimal("0.0450"),
        "interest_coverage": Decimal("5.0000"),  # (120 + 30) / 30
        "revenue_growth": Decimal("0.2500"),
    }
    assert all(isinstance(v, Decimal) for v in ratios.values())


def test_key_ratios_round_half_up_and_mixed_input_types():
    # 1/8 = 0.125 exactly at 3 places; 0.00005 boundary: 1/20000 = 0.00005 → 0.0001 (half up)
    ratios = key_ratios({"total_liabilities": Decimal("1"), "total_assets": 20000})
    assert ratios["debt_ratio"] == Decimal("0.0001")
    ratios = key_ratios({"net_profit": 0.1, "total_assets": 0.3, "revenue": 3})
    assert ratios["return_on_assets"] == Decimal("0.3333")
    assert ratios["net_margin"] == Decimal("0.0333")


def test_key_ratios_none_on_zero_denominator_or_missing_input():
    ratios = key_ratios({**STATEMENT, "total_assets": 0, "interest_expense": 0, "revenue": None})
    assert ratios["debt_ratio"] is None and ratios["return_on_assets"] is None
    assert ratios["interest_coverage"] is None
    assert ratios["gross_margin"] is None and ratios["net_margin"] is None
    assert ratios["revenue_growth"] is None
    assert key_ratios(STATEMENT, {"revenue": 0})["revenue_growth"] is None
    assert key_ratios(STATEMENT)["revenue_growth"] is None
    assert key_ratios(STATEMENT)["current_ratio"] == Decimal("1.7143")
