"""Forms for asking and answering (CSRF through Flask-WTF; the rules live in services)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.common.messages import MESSAGE_MAX

_BODY = [DataRequired(_l("Skriv en melding.")),
         Length(max=MESSAGE_MAX, message=_l("Kan ikke være lengre enn %(max)d tegn."))]


class AskForm(FlaskForm):
    body = TextAreaField(_l("Spørsmålet ditt"), validators=_BODY,
                         description=_l("For eksempel om mål, tilstand eller henting. "
                                        "Bare dere og den som gir bort ser tråden."),
                         render_kw={"rows": 4, "maxlength": MESSAGE_MAX})
    organization_id = SelectField(_l("Spør for"), choices=[], validate_choice=False)


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Melding"), validators=_BODY,
                         render_kw={"rows": 3, "maxlength": MESSAGE_MAX})
