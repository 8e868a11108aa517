"""Admin views: dashboard and account management."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from marketplace.admin import bp
from marketplace.extensions import db
from marketplace.forms_base import CheckedForm
from marketplace.i18n import lazy_labels
from marketplace.models import User
from marketplace.pagination import page_request, paginate
from marketplace.rules import limits
from marketplace.rules.accounts import ROLE_NAMES, ROLES
from marketplace.services import users
from marketplace.sme.forms import ActionForm
from marketplace.web import password_hasher, run_button, run_form

ROLE_LABELS = lazy_labels(ROLE_NAMES)


class CreateUserForm(CheckedForm):
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES], validators=[DataRequired()]
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=limits.MAX_NAME_CHARS)])
    email = StringField(_l("Email"), validators=[DataRequired(), Email(), Length(max=limits.MAX_EMAIL_CHARS)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired()])
    submit = SubmitField(_l("Create account"))


@bp.get("/")
def dashboard():
    """Counts of accounts by role."""
    counts = dict(db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all())
    return render_template("admin/dashboard.html", counts=counts, role_labels=ROLE_LABELS)


@bp.route("/users", methods=["GET", "POST"])
def user_list():
    """All accounts, and the form that creates fund manager, regulator and admin accounts."""
    form = CreateUserForm()
    user, status = run_form(
        form,
        lambda: users.create_user(
            db.session,
            password_hasher(),
            actor=current_user._get_current_object(),
            email=form.email.data,
            password=form.password.data,
            role=form.role.data,
            name=form.name.data,
        ),
    )
    if user is not None:
        flash(_("Account %(email)s created.", email=user.email), "success")
        return redirect(url_for("admin.user_list"))
    accounts = paginate(db.session, sa.select(User).order_by(User.id), page_request(request.args))
    return render_template(
        "admin/users.html", form=form, accounts=accounts, role_labels=ROLE_LABELS, action_form=ActionForm()
    ), status


@bp.post("/users/<int:user_id>/sign-out")
def sign_out_everywhere(user_id: int):
    """End every browser session and API token of an account (a lost phone, a leaver)."""
    admin = current_user._get_current_object()
    user = run_button(ActionForm(), lambda: users.sign_out_everywhere(db.session, admin, user_id))
    if user is not None:
        flash(_("%(email)s is signed out everywhere.", email=user.email), "success")
    return redirect(url_for("admin.user_list", page=request.args.get("page", type=int)))
