"""The SME's forms: enterprise profile, financial statement, loan application, documents."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from marketplace.application_pages import (
    CATEGORY_LABELS,
    DOCUMENT_KIND_LABELS,
    INDUSTRY_CHOICES,
    METHOD_LABELS,
    STATEMENT_LABELS,
)
from marketplace.forms_base import CheckedForm
from marketplace.forms_money import YuanField
from marketplace.rules.catalogue import TAX_CREDIT_RATINGS
from marketplace.rules.limits import MAX_PURPOSE_CHARS
from marketplace.services.enterprises import TEXT_LIMITS
from scoring.statements import STATEMENT_FIELDS

CATEGORY_CHOICES = [SelectChoice(code, label) for code, label in CATEGORY_LABELS.items()]
INDUSTRY_SELECT = [SelectChoice(code, label) for code, label in INDUSTRY_CHOICES]
RATING_SELECT = [SelectChoice(rating, rating) for rating in TAX_CREDIT_RATINGS]
METHOD_SELECT = [SelectChoice(method, label) for method, label in METHOD_LABELS.items()]
KIND_SELECT = [SelectChoice(kind, label) for kind, label in DOCUMENT_KIND_LABELS.items()]


class EnterpriseForm(CheckedForm):
    name = StringField(_l("Enterprise name"), validators=[DataRequired(), Length(max=TEXT_LIMITS["name"])])
    uscc = StringField(_l("Unified social credit code"), validators=[DataRequired(), Length(max=64)])
    legal_representative = StringField(
        _l("Legal representative"),
        validators=[DataRequired(), Length(max=TEXT_LIMITS["legal_representative"])],
    )
    founded_on = DateField(_l("Founding date"), validators=[InputRequired()])
    registered_capital = YuanField(_l("Registered capital (yuan)"), validators=[InputRequired()])
    industry = SelectField(_l("Industry (GB/T 4754)"), choices=INDUSTRY_SELECT, validators=[DataRequired()])
    employees = IntegerField(_l("Employees"), validators=[InputRequired()])
    district = StringField(_l("District"), validators=[DataRequired(), Length(max=TEXT_LIMITS["district"])])
    tax_credit_rating = SelectField(
        _l("Tax credit rating"), choices=RATING_SELECT, validators=[DataRequired()]
    )
    category = SelectField(_l("Smart-city category"), choices=CATEGORY_CHOICES, validators=[DataRequired()])
    contact_phone = StringField(_l("Contact mobile phone"), validators=[Optional(), Length(max=11)])
    submit = SubmitField(_l("Save profile"))

    def service_data(self) -> dict:
        """The profile as the enterprise service takes it."""
        data = {
            name: getattr(self, name).data
            for name in (
                "name",
                "uscc",
                "legal_representative",
                "founded_on",
                "industry",
                "employees",
                "district",
                "tax_credit_rating",
                "category",
                "contact_phone",
            )
        }
        data["registered_capital_fen"] = self.registered_capital.data
        return data


class StatementFormBase(CheckedForm):
    year = SelectField(_l("Fiscal year"), coerce=int, validators=[InputRequired()])
    submit = SubmitField(_l("Save statement"))

    def values(self) -> dict[str, int]:
        """The amounts in fen, keyed by statement field."""
        return {name: getattr(self, name).data for name in STATEMENT_FIELDS}


StatementForm = type(
    "StatementForm",
    (StatementFormBase,),
    {
        name: YuanField(STATEMENT_LABELS[name], allow_negative=True, validators=[InputRequired()])
        for name in STATEMENT_FIELDS
    },
)


class ApplicationForm(CheckedForm):
    amount = YuanField(_l("Amount (yuan)"), validators=[InputRequired()])
    term_months = IntegerField(_l("Term (months)"), validators=[InputRequired()])
    repayment_method = SelectField(_l("Repayment method"), choices=METHOD_SELECT, validators=[DataRequired()])
    purpose = TextAreaField(_l("Purpose"), validators=[DataRequired(), Length(max=MAX_PURPOSE_CHARS)])
    category = SelectField(_l("Smart-city category"), choices=CATEGORY_CHOICES, validators=[DataRequired()])
    submit = SubmitField(_l("Save draft"))

    def service_data(self) -> dict:
        """The application as the application service takes it."""
        return {
            "amount_fen": self.amount.data,
            "term_months": self.term_months.data,
            "repayment_method": self.repayment_method.data,
            "purpose": self.purpose.data,
            "category": self.category.data,
        }


class DocumentForm(CheckedForm):
    # The document service checks the kind (one rule for the page and the API), so that a
    # tampered choice gets its message rather than "the form expired".
    kind = SelectField(_l("Checklist item"), choices=KIND_SELECT, validate_choice=False)
    file = FileField(_l("Document (PDF, JPEG or PNG, at most 10 MB)"))
    submit = SubmitField(_l("Upload"))


class ActionForm(CheckedForm):
    """A button that changes state: only the CSRF token travels with it."""
