"""Admin views: dashboard, the accounts list (search, filter, create) and signing an account out."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.admin import bp
from marketplace.admin.forms import ROLE_LABELS, AccountSearchForm, CreateUserForm
from marketplace.extensions import db
from marketplace.models import User
from marketplace.pagination import page_request
from marketplace.services import account_admin, users
from marketplace.sme.forms import ActionForm
from marketplace.web import password_hasher, run_button, run_form


def list_args() -> dict:
    """The accounts list's page and filter, as the request carries them, to return to after an action."""
    args = {name: request.args.get(name) for name in ("q", "role")}
    args["page"] = request.args.get("page", type=int)
    return {name: value for name, value in args.items() if value}


@bp.get("/")
def dashboard():
    """Counts of accounts by role."""
    counts = dict(db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all())
    return render_template("admin/dashboard.html", counts=counts, role_labels=ROLE_LABELS)


@bp.route("/users", methods=["GET", "POST"])
def user_list():
    """Accounts found by name or e-mail and role, with their status and actions; and the form that
    creates fund manager, regulator and admin accounts."""
    admin = current_user._get_current_object()
    form = CreateUserForm()
    user, status = run_form(
        form,
        lambda: users.create_user(
            db.session,
            password_hasher(),
            actor=admin,
            email=form.email.data,
            password=form.password.data,
            role=form.role.data,
            name=form.name.data,
        ),
    )
    if user is not None:
        flash(_("Account %(email)s created.", email=user.email), "success")
        return redirect(url_for("admin.user_list"))
    search = AccountSearchForm(formdata=request.args)
    text, role = "", ""
    if request.args.get("q") or request.args.get("role"):
        if search.validate():
            text, role = search.q.data or "", search.role.data or ""
        else:
            status = 422  # a bad filter is shown on the form; the list is not filtered by it
    accounts = account_admin.search_accounts(
        db.session, admin, text=text, role=role, page=page_request(request.args)
    )
    return render_template(
        "admin/users.html",
        form=form,
        search=search,
        filters={"q": text or None, "role": role or None},
        accounts=accounts,
        role_labels=ROLE_LABELS,
        action_form=ActionForm(),
    ), status


@bp.post("/users/<int:user_id>/sign-out")
def sign_out_everywhere(user_id: int):
    """End every browser session and API token of an account (a lost phone, a leaver)."""
    admin = current_user._get_current_object()
    user = run_button(ActionForm(), lambda: users.sign_out_everywhere(db.session, admin, user_id))
    if user is not None:
        flash(_("%(email)s is signed out everywhere.", email=user.email), "success")
    return redirect(url_for("admin.user_list", **list_args()))
