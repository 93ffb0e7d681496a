"""The "Rapporter annonse" form (CSRF through Flask-WTF; errors shown at the fields)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.moderation.services import MESSAGE_MAX, REPORT_REASONS


class ReportForm(FlaskForm):
    reason = RadioField(_l("Hva er galt med annonsen?"),
                        choices=[SelectChoice(value, label)
                                 for value, label in REPORT_REASONS.items()],
                        validators=[DataRequired(_l("Velg en grunn."))])
    message = TextAreaField(_l("Melding til administratorene (valgfritt)"),
                            validators=[Optional(), Length(max=MESSAGE_MAX)],
                            description=_l("Fortell gjerne hva som er feil. Eieren av "
                                           "annonsen ser ikke hvem som rapporterte."))
