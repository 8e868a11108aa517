"""The SME's area: enterprise profile, statements, applications, loans."""

from flask import Blueprint, render_template

from marketplace.web import guard_blueprint

bp = Blueprint("sme", __name__)
guard_blueprint(bp, "sme")


@bp.get("/")
def dashboard():
    """The SME's home page."""
    return render_template("sme/dashboard.html")


from marketplace.sme import routes  # noqa: E402,F401
