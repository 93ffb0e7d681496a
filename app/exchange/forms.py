"""Forms for the reservation pages (CSRF through Flask-WTF; the rules live in the services)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.errors import ValidationFailed
from app.validation import parse_day

OSLO = ZoneInfo("Europe/Oslo")
MESSAGE_MAX = 2000
REASON_MAX = 500


class ReserveForm(FlaskForm):
    quantity = StringField(_l("Antall"), validators=[DataRequired(_l("Oppgi antall."))],
                           render_kw={"inputmode": "decimal", "autocomplete": "off"})
    organization_id = SelectField(_l("Reserver for"), choices=[], validate_choice=False)
    message = TextAreaField(
        _l("Melding til den som gir bort (valgfritt)"),
        validators=[Optional(), Length(max=MESSAGE_MAX, message=_l(
            "Kan ikke være lengre enn %(max)d tegn."))],
        description=_l("For eksempel når dere kan hente."),
        render_kw={"rows": 3, "maxlength": MESSAGE_MAX})
    #: The proposed pickup (inside the listing's pickup windows when it has any).
    pickup_date = StringField(_l("Hentedato (valgfritt)"), validators=[Optional()],
                              render_kw={"type": "date"})
    pickup_time = StringField(_l("Klokkeslett for henting"), validators=[Optional()],
                              render_kw={"type": "time"})


class PickupFields:
    """A date and a time in Oslo; both empty means "not given"."""

    @staticmethod
    def parse(day: str | None, clock: str | None, required: bool = False) -> datetime | None:
        day, clock = (day or "").strip(), (clock or "").strip()
        if not day and not clock:
            if required:
                raise ValidationFailed({"pickup_date": [_("Velg en dato.")]})
            return None
        try:
            parsed_day = parse_day(day)
        except ValueError as exc:
            raise ValidationFailed({"pickup_date": [str(exc)]}) from None
        try:
            parsed_time = time.fromisoformat(clock) if clock else time(12, 0)
        except ValueError:
            raise ValidationFailed({"pickup_time": [
                _("Ugyldig klokkeslett; bruk TT:MM.")]}) from None
        return datetime.combine(parsed_day, parsed_time, tzinfo=OSLO)


class AcceptForm(FlaskForm):
    pickup_date = StringField(_l("Hentedato (valgfritt)"), validators=[Optional()],
                              description=_l("Tom: tre dager fra nå."),
                              render_kw={"type": "date"})
    pickup_time = StringField(_l("Klokkeslett"), validators=[Optional()],
                              render_kw={"type": "time"})


class PickupForm(FlaskForm):
    pickup_date = StringField(_l("Ny hentedato"), render_kw={"type": "date"})
    pickup_time = StringField(_l("Klokkeslett"), validators=[Optional()],
                              render_kw={"type": "time"})


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Begrunnelse (valgfritt)"), validators=[
        Optional(), Length(max=REASON_MAX, message=_l("Kan ikke være lengre enn %(max)d tegn."))],
        render_kw={"rows": 2, "maxlength": REASON_MAX})


class HandoverForm(FlaskForm):
    #: "estimate" or "weighed"; the radios are written out in the template (fieldset).
    weight_choice = StringField(_l("Vekt"), default="estimate")
    weight_kg = StringField(_l("Veid vekt (kg)"), validators=[Optional()],
                            render_kw={"inputmode": "decimal", "autocomplete": "off"})


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Melding"), validators=[
        DataRequired(_l("Skriv en melding.")),
        Length(max=MESSAGE_MAX, message=_l("Kan ikke være lengre enn %(max)d tegn."))],
        render_kw={"rows": 3, "maxlength": MESSAGE_MAX})
