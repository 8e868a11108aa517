"""The smart-city fund's pages: its figures and leverage, and its policy with the version history.

Fund managers read and set; regulators read both pages (without the form)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, SelectChoice, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.application_pages import CATEGORY_LABELS
from marketplace.extensions import db
from marketplace.forms_base import CheckedForm
from marketplace.forms_money import YuanField
from marketplace.fund import bp
from marketplace.i18n import money
from marketplace.pagination import page_request
from marketplace.rules import limits
from marketplace.rules.catalogue import CATEGORIES
from marketplace.rules.fund_policy import MAX_TARGET_LEVERAGE, FundPolicy
from marketplace.services import fund
from marketplace.web import run_form
from scoring.charts import bar_chart_svg


class CheckboxesField(SelectMultipleField):
    """Several choices as check boxes (no JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _leverage_rule(form, field):
    try:
        number = Decimal((field.data or "").strip())
    except InvalidOperation:
        raise ValidationError(_('Enter the leverage as a number, such as "4.50".')) from None
    if not number.is_finite() or number.as_tuple().exponent < -2:
        raise ValidationError(_("The leverage may have at most 2 decimal places."))
    field.number = number


class PolicyForm(CheckedForm):
    """One new version of the fund's policy (amounts in yuan; empty: no limit)."""

    max_share_bps = IntegerField(
        _l("Largest fund share (basis points, %(min)s-%(max)s)", min=0, max=limits.MAX_FUND_SHARE_BPS),
        validators=[InputRequired()],
    )
    eligible_categories = CheckboxesField(
        _l("Categories the fund co-invests in"),
        choices=[SelectChoice(code, CATEGORY_LABELS[code]) for code in CATEGORIES],
        validate_choice=True,
    )
    max_per_enterprise = YuanField(_l("Most fund money per enterprise (yuan)"), validators=[Optional()])
    budget_government = YuanField(_l("Budget: smart government (yuan)"), validators=[Optional()])
    budget_livelihood = YuanField(_l("Budget: smart livelihood (yuan)"), validators=[Optional()])
    budget_industry = YuanField(_l("Budget: smart industry (yuan)"), validators=[Optional()])
    budget_none = YuanField(_l("Budget: no category (yuan)"), validators=[Optional()])
    target_leverage = StringField(
        _l("Target leverage (private yuan per fund yuan)"),
        validators=[InputRequired(), Length(max=12), _leverage_rule],
    )
    submit = SubmitField(_l("Save a new version"))

    def policy(self) -> FundPolicy:
        """The policy the form says."""
        budgets = {code: getattr(self, f"budget_{code}").data for code in CATEGORIES}
        return FundPolicy(
            max_share_bps=self.max_share_bps.data,
            eligible_categories=frozenset(self.eligible_categories.data or ()),
            max_per_enterprise_fen=self.max_per_enterprise.data,
            budgets_fen={code: fen for code, fen in budgets.items() if fen is not None},
            target_leverage=self.target_leverage.number,
        )

    def fill(self, policy: FundPolicy) -> None:
        """Start from the policy in force."""
        self.max_share_bps.data = policy.max_share_bps
        self.eligible_categories.data = [code for code in CATEGORIES if code in policy.eligible_categories]
        self.max_per_enterprise.data = policy.max_per_enterprise_fen
        for code in CATEGORIES:
            getattr(self, f"budget_{code}").data = policy.budgets_fen.get(code)
        self.target_leverage.data = f"{policy.target_leverage:.2f}"


def _may_edit() -> bool:
    return current_user.role in fund.POLICY_EDITORS


@bp.get("/fund")
def fund_overview():
    """The fund's pool, commitments, loans, leverage against the target and budgets per category."""
    found = fund.overview(db.session)
    chart = bar_chart_svg(
        [CATEGORY_LABELS[code] for code in CATEGORIES],
        [found.by_category[code].used_fen / 100 for code in CATEGORIES],
        _("Fund money committed or lent, by category"),
        y_title=_("Yuan"),
    )
    return render_template(
        "fund/fund.html",
        found=found,
        categories=CATEGORIES,
        chart=chart,
        defaults=found.policy_version is None,
    )


@bp.route("/fund/policy", methods=["GET", "POST"])
def fund_policy():
    """The policy in force, the form for a new version (fund managers) and the version history."""
    form = PolicyForm() if _may_edit() else None
    status = 200
    if request.method == "POST":
        if form is None:
            abort(403)  # regulators read the policy; only fund managers set it
        user = current_user._get_current_object()
        saved, status = run_form(form, lambda: fund.set_policy(db.session, user, form.policy()))
        if saved is not None:
            flash(_("Policy version %(version)s saved.", version=saved.version), "success")
            return redirect(url_for("fund.fund_policy"))
    row = fund.latest_policy_version(db.session)
    policy = fund.policy_from_row(row)
    if form is not None and request.method == "GET":
        form.fill(policy)
    return render_template(
        "fund/policy.html",
        form=form,
        row=row,
        policy=policy,
        categories=CATEGORIES,
        history=fund.policy_history(db.session, page_request(request.args)),
        max_leverage=MAX_TARGET_LEVERAGE,
        money=money,
    ), status
