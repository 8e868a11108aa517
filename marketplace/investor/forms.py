"""The investor's forms: risk questionnaire, bids, auto-invest rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectChoice, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.application_pages import CATEGORY_LABELS, METHOD_LABELS
from marketplace.domain_errors import N_
from marketplace.forms_base import CheckedForm
from marketplace.forms_money import YuanField
from marketplace.i18n import lazy_labels
from marketplace.models.assessments import GRADES

AGE_LABELS = {"18-35": _l("18 to 35"), "36-55": _l("36 to 55"), "56+": _l("56 or older")}
LOSS_LABELS = lazy_labels(
    {
        "none": N_("I cannot bear any loss of principal"),
        "some": N_("I could bear a small loss"),
        "high": N_("I could bear a large loss"),
    }
)


class QuestionnaireForm(CheckedForm):
    age_band = SelectField(
        _l("Age"),
        choices=[SelectChoice("", _l("Choose…"))] + [SelectChoice(k, v) for k, v in AGE_LABELS.items()],
        validators=[DataRequired()],
    )
    annual_income = YuanField(_l("Annual income (yuan)"), validators=[InputRequired()])
    investable_assets = YuanField(_l("Investable financial assets (yuan)"), validators=[InputRequired()])
    experience_years = IntegerField(_l("Years of investing experience"), validators=[InputRequired()])
    loss_tolerance = SelectField(
        _l("How much loss could you bear?"),
        choices=[SelectChoice("", _l("Choose…"))] + [SelectChoice(k, v) for k, v in LOSS_LABELS.items()],
        validators=[DataRequired()],
    )
    declared_limit = YuanField(
        _l("The most you are prepared to have at risk on the platform (yuan)"), validators=[InputRequired()]
    )
    submit = SubmitField(_l("Save my answers"))


class ActionForm(CheckedForm):
    """A button's form: only the CSRF token."""


class BidForm(CheckedForm):
    amount = YuanField(_l("Amount (yuan, a multiple of ¥50)"), validators=[InputRequired()])
    min_rate_bps = IntegerField(
        _l("Lowest annual rate you accept (basis points)"), validators=[InputRequired()]
    )
    submit = SubmitField(_l("Place bid"))


class LowerBidForm(CheckedForm):
    amount = YuanField(_l("New, lower amount (yuan)"), validators=[InputRequired()])
    submit = SubmitField(_l("Lower the bid"))


class CheckboxesField(SelectMultipleField):
    """Several choices as check boxes (no JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AutoInvestForm(CheckedForm):
    grades = CheckboxesField(_l("Grades"), choices=[SelectChoice(g, g) for g in GRADES])
    categories = CheckboxesField(
        _l("Smart-city categories"), choices=[SelectChoice(k, v) for k, v in CATEGORY_LABELS.items()]
    )
    methods = CheckboxesField(
        _l("Repayment methods"), choices=[SelectChoice(k, v) for k, v in METHOD_LABELS.items()]
    )
    min_term = IntegerField(_l("Shortest term (months)"), validators=[InputRequired()])
    max_term = IntegerField(_l("Longest term (months)"), validators=[InputRequired()])
    min_rate_bps = IntegerField(_l("Lowest annual rate (basis points)"), validators=[InputRequired()])
    amount_per_loan = YuanField(_l("Amount per loan (yuan, a multiple of ¥50)"), validators=[InputRequired()])
    max_total = YuanField(_l("Most to invest through this rule (yuan)"), validators=[InputRequired()])
    active = SelectField(
        _l("State"),
        choices=[SelectChoice("1", _l("Active")), SelectChoice("0", _l("Paused"))],
        validators=[Optional()],
    )
    submit = SubmitField(_l("Save the rule"))
