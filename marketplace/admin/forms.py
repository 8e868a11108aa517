"""The admin's forms: create an account, find accounts, change an account's role."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from marketplace.forms_base import CheckedForm
from marketplace.i18n import lazy_labels
from marketplace.rules import limits
from marketplace.rules.accounts import ROLE_NAMES, ROLES

ROLE_LABELS = lazy_labels(ROLE_NAMES)
ROLE_CHOICES = [SelectChoice(r, ROLE_LABELS[r]) for r in ROLES]


class CreateUserForm(CheckedForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=limits.MAX_NAME_CHARS)])
    email = StringField(_l("Email"), validators=[DataRequired(), Email(), Length(max=limits.MAX_EMAIL_CHARS)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired()])
    submit = SubmitField(_l("Create account"))


class AccountSearchForm(CheckedForm):
    """The accounts list's filter, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    # Ids of their own: the page's create form has a `role` field too.
    q = StringField(
        _l("Name or email contains"),
        id="filter-q",
        validators=[Optional(), Length(max=limits.MAX_EMAIL_CHARS)],
    )
    role = SelectField(
        _l("Role"),
        id="filter-role",
        choices=[SelectChoice("", _l("All roles")), *ROLE_CHOICES],
        default="",
        validators=[Optional()],
    )


class RoleChangeForm(CheckedForm):
    role = SelectField(_l("New role"), choices=ROLE_CHOICES, validators=[DataRequired()])
    # The page that shows this form is the confirmation step; a POST without it is sent there.
    confirmed = HiddenField(default="yes")
    submit = SubmitField(_l("Change the role"))
