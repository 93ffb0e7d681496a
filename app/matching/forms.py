"""Forms for the inbox pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import Optional

from app.notifications import KINDS, EmailMode

EMAIL_MODE_LABELS = {
    EmailMode.IMMEDIATE: _l("E-post med en gang"),
    EmailMode.DAILY: _l("Daglig oppsummering på e-post"),
    EmailMode.OFF: _l("Bare i appen"),
}


def settings_form(current: dict[str, str]) -> FlaskForm:
    """One radio group per registered kind, set to the person's choice. A kind missing
    from the post keeps its choice; a value that is not a mode is a field error."""

    class SettingsForm(FlaskForm):
        pass

    for name, kind in KINDS.items():
        setattr(SettingsForm, name, RadioField(
            kind.label, default=current.get(name, kind.default), validators=[Optional()],
            invalid_choice_message=_l("Velg ett av alternativene."),
            choices=[SelectChoice(m.value, label) for m, label in EMAIL_MODE_LABELS.items()]))
    return SettingsForm()


class ReadForm(FlaskForm):
    """Only the CSRF token: the mark-read buttons."""
