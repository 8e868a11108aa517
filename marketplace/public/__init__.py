"""Public pages and health probes."""

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user

from marketplace.extensions import db
from marketplace.web import DASHBOARDS

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    """Landing page; signed-in users go straight to their dashboard."""
    if current_user.is_authenticated:
        return redirect(url_for(DASHBOARDS[current_user.role]))
    return render_template("public/index.html")


@bp.get("/favicon.ico")
def favicon():
    """The site icon browsers ask for at the root (cached for a week)."""
    return current_app.send_static_file("favicon.ico"), 200, {"Cache-Control": "public, max-age=604800"}


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers a query."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
