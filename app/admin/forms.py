"""The console's action forms. CSRF is checked for every POST by CSRFProtect (the
templates carry ``csrf_token``); several forms share a page, so each has a prefix
(``verify-reason``, ``suspend-reason``, ...) and its errors stay at its own fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, SelectField, StringField, TextAreaField


class ReasonForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect checks the request before the view

    reason = TextAreaField(_l("Begrunnelse"),
                           description=_l("Lagres i revisjonsloggen."))


class OwnerReasonForm(ReasonForm):
    reason = TextAreaField(_l("Begrunnelse"),
                           description=_l("Eieren ser begrunnelsen, og den lagres i "
                                          "revisjonsloggen."))


class ApproveWeightForm(ReasonForm):
    unit_weight_kg = StringField(_l("Vekt per enhet (kg)"))


class DismissForm(FlaskForm):
    class Meta:
        csrf = False

    resolution = TextAreaField(_l("Kommentar (valgfritt)"))


class AuditFilterForm(Form):
    """The audit log's filter (a GET form: no CSRF; checked by audit_csv.parse_filter)."""

    action = SelectField(_l("Handling"), choices=[], validate_choice=False)
    actor = StringField(_l("Utført av (e-post)"))
    organization = StringField(_l("Organisasjon (navn, orgnr. eller id)"))
    date_from = StringField(_l("Fra dato"))
    date_to = StringField(_l("Til dato"))
