"""Admin: what an administrator does to one account. Disabling and changing a role are asked
again on a page of their own (no JavaScript needed); unlocking, re-enabling and sending a reset
link are one button each."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.admin import bp
from marketplace.admin.forms import ROLE_LABELS, RoleChangeForm
from marketplace.admin.routes import list_args
from marketplace.auth.emails import send_password_reset
from marketplace.extensions import db
from marketplace.models import User
from marketplace.services import account_admin
from marketplace.sme.forms import ActionForm
from marketplace.throttle import clear_sign_in_failures
from marketplace.web import run_button, run_form


def _admin() -> User:
    return current_user._get_current_object()


def _back():
    return redirect(url_for("admin.user_list", **list_args()))


@bp.get("/users/<int:user_id>/disable")
def disable_confirm(user_id: int):
    """Ask before disabling an account: it is signed out everywhere at once."""
    account = db.get_or_404(User, user_id)
    return render_template(
        "admin/account_disable.html",
        account=account,
        role_labels=ROLE_LABELS,
        action=ActionForm(),
        back=list_args(),
    )


@bp.post("/users/<int:user_id>/disable")
def disable_account(user_id: int):
    """Disable an account (after the confirmation page): no sign-in, no session, no API token."""
    if request.form.get("confirmed") != "yes":
        return redirect(url_for("admin.disable_confirm", user_id=user_id, **list_args()))
    user = run_button(ActionForm(), lambda: account_admin.disable_account(db.session, _admin(), user_id))
    if user is not None:
        flash(_("%(email)s is disabled and signed out everywhere.", email=user.email), "success")
    return _back()


@bp.post("/users/<int:user_id>/enable")
def enable_account(user_id: int):
    """Let a disabled account sign in again."""
    user = run_button(ActionForm(), lambda: account_admin.enable_account(db.session, _admin(), user_id))
    if user is not None:
        flash(_("%(email)s can sign in again.", email=user.email), "success")
    return _back()


@bp.post("/users/<int:user_id>/unlock")
def unlock_account(user_id: int):
    """Forget the account's failed sign-ins, once the unlock is recorded."""
    user = run_button(ActionForm(), lambda: account_admin.unlock_sign_in(db.session, _admin(), user_id))
    if user is not None:
        clear_sign_in_failures(user.email)
        flash(_("%(email)s can try to sign in again now.", email=user.email), "success")
    return _back()


@bp.post("/users/<int:user_id>/reset-link")
def send_reset_link(user_id: int):
    """E-mail the account a link to set a new password (in the account's language)."""
    user = run_button(
        ActionForm(),
        lambda: account_admin.send_reset_link(
            db.session, _admin(), user_id, lambda user: send_password_reset(user, by_admin=True)
        ),
    )
    if user is not None:
        flash(_("A link to set a new password was sent to %(email)s.", email=user.email), "success")
    return _back()


@bp.route("/users/<int:user_id>/role", methods=["GET", "POST"])
def change_role(user_id: int):
    """Choose an account's new role on a page that says what follows, then change it."""
    account = db.get_or_404(User, user_id)
    form = RoleChangeForm(data=None if request.method == "POST" else {"role": account.role})
    if request.method == "POST" and request.form.get("confirmed") != "yes":
        return redirect(url_for("admin.change_role", user_id=user_id, **list_args()))
    changed, status = run_form(
        form, lambda: account_admin.change_role(db.session, _admin(), user_id, form.role.data)
    )
    if changed is not None:
        flash(
            _(
                "%(email)s is now: %(role)s. Its sessions and API tokens have ended.",
                email=changed.email,
                role=ROLE_LABELS[changed.role],
            ),
            "success",
        )
        return _back()
    reason = account_admin.role_bound_data(db.session, account)
    return render_template(
        "admin/account_role.html",
        account=account,
        form=form,
        role_labels=ROLE_LABELS,
        refused=_(reason, email=account.email) if reason else None,
        back=list_args(),
    ), status
