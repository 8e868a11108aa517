"""The investor's pages: risk questionnaire, listings, bids."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.extensions import db
from marketplace.investor import bp
from marketplace.investor.dates import market_today
from marketplace.investor.forms import QuestionnaireForm
from marketplace.rules.appropriateness import PERMITTED_GRADES, RISK_CLASS_NAMES, Answers
from marketplace.services import questionnaires
from marketplace.web import run_form


def _user():
    return current_user._get_current_object()


@bp.route("/questionnaire", methods=["GET", "POST"])
def questionnaire():
    """The risk questionnaire: the current result, what it permits, and the form to (re)answer."""
    form = QuestionnaireForm()
    result, status = run_form(
        form,
        lambda: questionnaires.answer(
            db.session,
            _user(),
            Answers(
                age_band=form.age_band.data,
                annual_income_fen=form.annual_income.data,
                investable_assets_fen=form.investable_assets.data,
                experience_years=form.experience_years.data,
                loss_tolerance=form.loss_tolerance.data,
                declared_limit_fen=form.declared_limit.data,
            ),
            today=market_today(),
        ),
    )
    if result is not None:
        flash(
            _(
                "Your answers are saved: you are a %(risk)s investor.",
                risk=_(RISK_CLASS_NAMES[result.risk_class]),
            ),
            "success",
        )
        return redirect(url_for("investor.questionnaire"))
    latest = questionnaires.latest(db.session, _user())
    return (
        render_template(
            "investor/questionnaire.html",
            form=form,
            latest=latest,
            today=market_today(),
            permitted=sorted(PERMITTED_GRADES[latest.risk_class]) if latest else None,
            RISK_CLASS_NAMES=RISK_CLASS_NAMES,
        ),
        status,
    )
