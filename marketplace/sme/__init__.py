"""The SME's area: enterprise profile, statements, applications, loans."""

from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user

from marketplace.extensions import db
from marketplace.services.dashboards import sme_progress
from marketplace.web import guard_blueprint

bp = Blueprint("sme", __name__)
guard_blueprint(bp, "sme")


@bp.get("/")
def dashboard():
    """The SME's home page: where it stands and its next step."""
    progress = sme_progress(db.session, current_user._get_current_object(), today=date.today())
    return render_template("sme/dashboard.html", progress=progress)


from marketplace.sme import routes  # noqa: E402,F401
