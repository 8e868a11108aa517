"""Investor appropriateness: the risk questionnaire scored into a risk class, and what it permits.

The interim measures for online lending intermediaries (银监会令 2016 年第 1 号, art. 26) require a
platform to assess each lender's risk tolerance and let them lend only within it; the FCA's
PS19/14 asks the same of UK loan-based crowdfunding. The answers score 0-12 points; the class
follows from the points, except that an investor who can bear no loss is conservative whatever
else they answer. A result is valid for one year, then the questionnaire is asked again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from marketplace.domain_errors import N_
from marketplace.rules import limits

AGE_BANDS = ("18-35", "36-55", "56+")
LOSS_TOLERANCES = ("none", "some", "high")
RISK_CLASSES = ("conservative", "balanced", "aggressive")
RISK_CLASS_NAMES = {
    "conservative": N_("Conservative"),
    "balanced": N_("Balanced"),
    "aggressive": N_("Aggressive"),
}
# Grades a class may bid on: conservative investors stay out of D and E (higher default risk).
PERMITTED_GRADES = {
    "conservative": frozenset("ABC"),
    "balanced": frozenset("ABCDE"),
    "aggressive": frozenset("ABCDE"),
}
VALID_DAYS = 365
MAX_EXPERIENCE_YEARS = 80

_AGE_POINTS = {"18-35": 2, "36-55": 1, "56+": 0}  # a longer horizon to recover a loss
_LOSS_POINTS = {"none": 0, "some": 2, "high": 4}  # counted double: the question that matters most
# Points by yuan thresholds (fen): below the first 0, from the first 1, from the second 2.
_INCOME_STEPS_FEN = (100_000 * limits.FEN_PER_YUAN, 500_000 * limits.FEN_PER_YUAN)
_ASSET_STEPS_FEN = (500_000 * limits.FEN_PER_YUAN, 3_000_000 * limits.FEN_PER_YUAN)
_EXPERIENCE_STEPS = (1, 3)
# Class boundaries on the 0-12 points.
_BALANCED_FROM, _AGGRESSIVE_FROM = 5, 9


@dataclass(frozen=True)
class Answers:
    """One investor's answers (amounts in fen)."""

    age_band: str
    annual_income_fen: int
    investable_assets_fen: int
    experience_years: int
    loss_tolerance: str
    declared_limit_fen: int


def _steps(value: int, steps: tuple[int, int]) -> int:
    return sum(value >= step for step in steps)


def answer_problems(answers: Answers) -> dict[str, str]:
    """Each field whose answer cannot be scored, with the message to show (empty when all can)."""
    problems = {}
    if answers.age_band not in AGE_BANDS:
        problems["age_band"] = N_("Choose an age band.")
    if answers.loss_tolerance not in LOSS_TOLERANCES:
        problems["loss_tolerance"] = N_("Choose how much loss you could bear.")
    if answers.annual_income_fen < 0:
        problems["annual_income"] = N_("Income cannot be negative.")
    if answers.investable_assets_fen < 0:
        problems["investable_assets"] = N_("Investable assets cannot be negative.")
    if not 0 <= answers.experience_years <= MAX_EXPERIENCE_YEARS:
        problems["experience_years"] = N_("Years of experience must be 0 to 80.")
    if answers.declared_limit_fen <= 0:
        problems["declared_limit"] = N_("Declare how much money you are prepared to put at risk.")
    elif answers.declared_limit_fen > answers.investable_assets_fen:
        # One cannot put at risk more than one can invest (the declared limit caps bids and parts).
        problems["declared_limit"] = N_("The limit cannot exceed your investable assets.")
    return problems


def score(answers: Answers) -> int:
    """The answers' points, 0 to 12 (higher: more able and willing to bear a loss)."""
    return (
        _AGE_POINTS[answers.age_band]
        + _steps(answers.annual_income_fen, _INCOME_STEPS_FEN)
        + _steps(answers.investable_assets_fen, _ASSET_STEPS_FEN)
        + _steps(answers.experience_years, _EXPERIENCE_STEPS)
        + _LOSS_POINTS[answers.loss_tolerance]
    )


def risk_class(answers: Answers) -> str:
    """conservative / balanced / aggressive; anyone who can bear no loss is conservative."""
    points = score(answers)
    if answers.loss_tolerance == "none" or points < _BALANCED_FROM:
        return "conservative"
    return "aggressive" if points >= _AGGRESSIVE_FROM else "balanced"


def valid_until(answered_on: date) -> date:
    """The last day the result may be relied on (the questionnaire is renewed yearly)."""
    return date.fromordinal(answered_on.toordinal() + VALID_DAYS)


def may_bid_on(risk: str, grade: str) -> bool:
    """Whether an investor of this class may bid on a listing of this grade."""
    return grade in PERMITTED_GRADES.get(risk, frozenset())
