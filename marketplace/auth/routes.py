"""Views of the auth blueprint."""

import logging

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.auth import bp
from marketplace.auth.emails import reset_link_minutes, send_password_reset
from marketplace.auth.forms import (
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    RegisterForm,
    ResetPasswordForm,
)
from marketplace.domain_errors import AuthenticationFailed
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.mail import MailNotSent
from marketplace.services import password_resets, unit_of_work, users
from marketplace.throttle import (
    password_reset_allowed,
    record_sign_in_failure,
    registration_allowed,
    sign_in_blocked,
)
from marketplace.web import DASHBOARDS, apply_error_to_form, password_hasher, run_form, safe_next

log = logging.getLogger(__name__)


def _start_session(user) -> None:
    """Sign the user in with a fresh session (nothing carried over from before sign-in but the
    visitor's chosen language)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user)
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign-in page; sends each role to its own dashboard (or to a local `next`)."""
    if current_user.is_authenticated:
        return redirect(url_for(DASHBOARDS[current_user.role]))
    form = LoginForm()
    if form.validate_on_submit():
        if sign_in_blocked(form.email.data):
            flash(_("Too many failed sign-ins. Wait a minute and try again."), "danger")
            return render_template("auth/login.html", form=form), 429
        try:
            user = unit_of_work.run(
                db.session,
                lambda: users.authenticate(
                    db.session,
                    password_hasher(),
                    email=form.email.data,
                    password=form.password.data,
                    source="web",
                ),
            )
        except AuthenticationFailed as error:
            record_sign_in_failure(form.email.data)
            apply_error_to_form(form, error)
            return render_template("auth/login.html", form=form), 200
        _start_session(user)
        flash(_("Welcome back, %(name)s.", name=user.name), "success")
        target = safe_next(request.args.get("next")) or url_for(DASHBOARDS[user.role])
        return redirect(target)
    # An invalid form (a missing or malformed field) is refused as such; a wrong password is not a
    # malformed request, so it keeps 200 above.
    return render_template("auth/login.html", form=form), (422 if form.is_submitted() else 200)


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """Ask for a link to set a new password; the answer is the same whether or not an account
    uses the address (no account enumeration), and a disabled account gets no e-mail."""
    form = ForgotPasswordForm()
    if form.is_submitted() and not password_reset_allowed(form.email.data or ""):
        flash(_("Too many password reset requests. Try again later."), "danger")
        return render_template("auth/forgot_password.html", form=form), 429
    user, status = run_form(
        form, lambda: password_resets.request_reset(db.session, email=form.email.data, source="web")
    )
    if not form.is_submitted() or status != 200:
        return render_template("auth/forgot_password.html", form=form), status
    if user is not None:
        try:
            send_password_reset(user)
        except MailNotSent:  # logged; saying so here would tell that the account exists
            log.warning("password reset e-mail for user %s not sent", user.id)
    flash(
        _(
            "If an account uses this email, a link to set a new password is on its way. "
            "The link works once, within %(minutes)s minutes.",
            minutes=reset_link_minutes(),
        ),
        "info",
    )
    return redirect(url_for("auth.login"))


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password through an e-mailed link; every session and API token of the account
    ends, this browser's included, and the link stops working."""
    secret, ttl = current_app.config["SECRET_KEY"], current_app.config["PASSWORD_RESET_TTL"]
    try:
        password_resets.account_for_token(db.session, secret=secret, token=token, ttl=ttl)
    except password_resets.InvalidResetLink:
        return render_template("auth/reset_invalid.html"), 400
    form = ResetPasswordForm()
    user, status = run_form(
        form,
        lambda: password_resets.reset_password(
            db.session,
            password_hasher(),
            secret=secret,
            token=token,
            ttl=ttl,
            new_password=form.password.data,
        ),
    )
    if user is not None:
        logout_user()
        locale = session.get("locale")
        session.clear()
        if locale:
            session["locale"] = locale
        flash(_("Your password has been set. Sign in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign out (POST with CSRF token, so another site cannot sign users out); the session ends
    on the server too, so a copy of the cookie is worthless afterwards."""
    locale = session.get("locale")
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        locale = user.locale  # the signed-out pages keep speaking the account's language
        unit_of_work.run(db.session, lambda: users.sign_out(db.session, user))
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Self-registration for SMEs and investors."""
    if current_user.is_authenticated:
        return redirect(url_for(DASHBOARDS[current_user.role]))
    form = RegisterForm()
    if form.is_submitted() and not registration_allowed():
        flash(_("Too many accounts were registered from your address. Try again later."), "danger")
        return render_template("auth/register.html", form=form), 429
    user, status = run_form(
        form,
        lambda: users.register(
            db.session,
            password_hasher(),
            email=form.email.data,
            password=form.password.data,
            role=form.role.data,
            name=form.name.data,
            locale=current_language(),  # the app's code (zh_CN / en), not Babel's zh_Hans_CN
        ),
    )
    if user is not None:
        _start_session(user)
        flash(_("Your account has been created."), "success")
        return redirect(url_for(DASHBOARDS[user.role]))
    return render_template("auth/register.html", form=form), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the signed-in user's password; other sessions and API tokens end."""
    form = PasswordChangeForm()
    user = current_user._get_current_object()
    changed, status = run_form(
        form,
        lambda: users.change_password(
            db.session,
            password_hasher(),
            user,
            current=form.current_password.data,
            new=form.new_password.data,
        ),
    )
    if changed is not None:
        login_user(user)  # new session id generation
        flash(_("Your password has been changed."), "success")
        return redirect(url_for(DASHBOARDS[user.role]))
    return render_template("auth/password.html", form=form), status


@bp.post("/language")
def set_language():
    """Switch the interface language; remembered on the account when signed in."""
    form = LanguageForm()
    target = safe_next(form.next.data) or url_for("public.index")
    if not form.validate_on_submit() or form.locale.data not in current_app.config["LANGUAGES"]:
        flash(_("Unknown language."), "danger")
        return redirect(target)
    session["locale"] = form.locale.data
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        unit_of_work.run(db.session, lambda: users.set_locale(db.session, user, form.locale.data))
    return redirect(target)
