"""Web glue of credit scoring: the active model for submissions, and the model report card."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _

from marketplace.domain_errors import N_, DomainError
from marketplace.extensions import db
from marketplace.services import assessments, credit_models
from scoring.charts import bar_chart_svg, calibration_svg
from scoring.errors import ArtifactError

# Population stability index: < 0.1 stable, 0.1-0.25 worth watching, > 0.25 shifted
# (the usual credit-risk convention, e.g. Siddiqi, "Credit Risk Scorecards", 2006).
PSI_WATCH, PSI_SHIFT = 0.10, 0.25


class ModelUnavailable(DomainError):
    """No usable credit model is active; applications cannot be scored."""

    code = "model_unavailable"
    http_status = 503


def registry():
    """The app's model registry."""
    return credit_models.registry_at(current_app.config["MODEL_REGISTRY_DIR"])


def application_assessor():
    """assess(session, application) with the active model and the configured rate table.

    The model is loaded when the submission is scored, after the permission and state checks,
    so that a missing model never hides a 403/404.
    """
    reg, rate_table, logger = registry(), current_app.config.get("SCORING_RATE_TABLE"), current_app.logger

    def assess(session, application):
        try:
            model = credit_models.active_model(session, reg)
        except ArtifactError as error:
            logger.error("credit model unavailable: %s", error)
            raise ModelUnavailable(
                N_(
                    "The credit model is unavailable, so applications cannot be submitted right now. "
                    "Nothing was changed; please try again later."
                )
            ) from error
        return assessments.assess_application(session, application, model=model, rate_table=rate_table)

    return assess


def psi_level(value: float | None) -> str:
    """ "stable", "watch" or "shifted" for a PSI value (None when there is no live data)."""
    if value is None:
        return "none"
    return "stable" if value < PSI_WATCH else ("watch" if value <= PSI_SHIFT else "shifted")


def psi_labels() -> dict[str, str]:
    """Translated names of the PSI levels."""
    return {"none": _("no data"), "stable": _("stable"), "watch": _("watch"), "shifted": _("shifted")}


def report_card():
    """The active model's report card: CV metrics, calibration, scores, grades, drift."""
    from scoring.report import feature_psi, score_psi  # numpy and pandas: only where drift is shown

    reg = registry()
    version = credit_models.active_version(db.session, reg)
    if version is None:
        return render_template("scoring/report_card.html", meta=None)
    meta = reg.metadata(version)
    live = assessments.live_assessments(db.session, version)
    drift = feature_psi(meta, [a.features for a in live]) if live else {}
    drift_rows = sorted(drift.items(), key=lambda item: item[1], reverse=True)
    live_score_psi = score_psi(meta, [a.score for a in live]) if live else None
    calibration = calibration_svg(
        meta["calibration"],
        title=_("Predicted vs observed (deciles)"),
        x_label=_("predicted PD"),
        y_label=_("observed default rate"),
        model_label=_("this model"),
        diagonal_label=_("perfect calibration"),
    )
    histogram = meta["score_histogram"]
    labels = [
        f"{int(lo)}–{int(hi)}" for lo, hi in zip(histogram["edges"], histogram["edges"][1:], strict=False)
    ]
    scores = bar_chart_svg(
        labels,
        histogram["counts"],
        _("Score distribution (out-of-fold)"),
        x_title=_("Score"),
        y_title=_("Training companies"),
    )
    drift_chart = (
        bar_chart_svg(
            [name for name, _value in drift_rows[:12]],
            [round(value, 4) for _name, value in drift_rows[:12]],
            _("PSI, top features"),
            x_title=_("Feature"),
            y_title="PSI",
        )
        if drift_rows
        else None
    )
    return render_template(
        "scoring/report_card.html",
        meta=meta,
        versions=reg.versions(),
        live_count=len(live),
        drift_rows=drift_rows,
        score_psi=live_score_psi,
        psi_level=psi_level,
        calibration_svg=calibration,
        scores_svg=scores,
        drift_svg=drift_chart,
        rate_table=current_app.config.get("SCORING_RATE_TABLE"),
        PSI_LABELS=psi_labels(),
    )


def register_report_card(bp: Blueprint) -> None:
    """Serve the report card at /model on a role-guarded blueprint (once, at import)."""
    bp.add_url_rule("/model", endpoint="model_report", view_func=report_card)
