"""The investor's auto-invest rules page: the saved rules, a form for a new one, delete."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.extensions import db
from marketplace.investor import bp
from marketplace.investor.bids import run_refusable
from marketplace.investor.forms import ActionForm, AutoInvestForm
from marketplace.pagination import page_request
from marketplace.services import autoinvest
from marketplace.web import run_button


def _user():
    return current_user._get_current_object()


class _RuleForm(AutoInvestForm):
    """The form under the service's field names: a problem with `terms` shows on the shortest term."""

    @property
    def terms(self):
        return self.min_term


@bp.route("/autoinvest", methods=["GET", "POST"])
def autoinvest_rules():
    """Auto-invest: the rules that bid for you when a matching listing opens."""
    form = _RuleForm()
    if request.method == "GET":
        form.active.data = "1"
    saved, status = run_refusable(
        form,
        lambda: autoinvest.create_rule(
            db.session,
            _user(),
            {
                "grades": form.grades.data,
                "categories": form.categories.data,
                "methods": form.methods.data,
                "min_term": form.min_term.data,
                "max_term": form.max_term.data,
                "min_rate_bps": form.min_rate_bps.data,
                "amount_per_loan_fen": form.amount_per_loan.data,
                "max_total_fen": form.max_total.data,
                "active": form.active.data != "0",
            },
        ),
    )
    if saved is not None:
        flash(_("Auto-invest rule #%(id)s saved.", id=saved.id), "success")
        return redirect(url_for("investor.autoinvest_rules"))
    rules = autoinvest.investor_rules(db.session, _user(), page_request(request.args))
    return render_template("investor/autoinvest.html", form=form, rules=rules, action=ActionForm()), status


@bp.post("/autoinvest/<int:rule_id>/delete")
def delete_rule(rule_id: int):
    """Delete a rule: it stops bidding; the bids it placed stay (cancel them on My bids)."""
    if run_button(ActionForm(), lambda: autoinvest.delete_rule(db.session, _user(), rule_id)) is not None:
        flash(_("Auto-invest rule #%(id)s deleted; the bids it placed stay.", id=rule_id), "success")
    return redirect(url_for("investor.autoinvest_rules"))
