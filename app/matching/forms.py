"""Forms for the inbox pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice

from app.matching.models import EmailMode

EMAIL_MODE_LABELS = {
    EmailMode.IMMEDIATE: _l("Med en gang: én e-post når det kommer nye treff"),
    EmailMode.DAILY: _l("Daglig oppsummering: høyst én e-post om dagen"),
    EmailMode.OFF: _l("Ingen e-post: bare i innboksen"),
}


class SettingsForm(FlaskForm):
    email_mode = RadioField(_l("E-post om nye treff"),
                            choices=[SelectChoice(m.value, label)
                                     for m, label in EMAIL_MODE_LABELS.items()])


class ReadForm(FlaskForm):
    """Only the CSRF token: the mark-read buttons."""
