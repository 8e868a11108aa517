"""WTForms for the auth pages; the services apply the same rules again."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, RadioField, SelectChoice, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from marketplace.forms_base import CheckedForm
from marketplace.rules.limits import MAX_EMAIL_CHARS, MAX_NAME_CHARS


class LoginForm(CheckedForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=MAX_EMAIL_CHARS)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField(_l("Sign in"))


class RegisterForm(CheckedForm):
    role = RadioField(
        _l("I am"),
        choices=[
            SelectChoice("sme", _l("An enterprise seeking finance")),
            SelectChoice("investor", _l("An investor")),
        ],
        validators=[DataRequired()],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=MAX_NAME_CHARS)])
    email = StringField(_l("Email"), validators=[DataRequired(), Email(), Length(max=MAX_EMAIL_CHARS)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )
    submit = SubmitField(_l("Create account"))


class PasswordChangeForm(CheckedForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("Passwords do not match."))],
    )
    submit = SubmitField(_l("Change password"))


class LanguageForm(CheckedForm):
    locale = HiddenField(validators=[DataRequired()])
    next = HiddenField()


class SignOutForm(CheckedForm):
    submit = SubmitField(_l("Sign out"))


class ForgotPasswordForm(CheckedForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Email(), Length(max=MAX_EMAIL_CHARS)])
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(CheckedForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )
    submit = SubmitField(_l("Set new password"))
