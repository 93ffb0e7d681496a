"""Forms for the wanted-request pages; the field rules live in ``rules`` (shared with the
API), so both say the same thing about the same mistake."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from app.listings.forms import CONDITION_LABELS, UNIT_NAMES

#: Form fields that carry a request value, in the order the API names them.
REQUEST_FIELDS = ("title", "description", "categories", "quantity", "min_quantity", "unit",
                  "max_price_nok", "min_condition", "postcode", "lat", "lng", "radius_km",
                  "needed_by", "project_id")


class WantedForm(FlaskForm):
    organization_id = SelectField(_l("Organisasjon"), choices=[], validate_choice=False)
    title = StringField(_l("Hva trenger dere?"), render_kw={"maxlength": 120},
                        description=_l("Kort og konkret, for eksempel «50 kontorstoler»."))
    description = TextAreaField(_l("Beskrivelse"), render_kw={"rows": 4, "maxlength": 5000})
    categories = SelectMultipleField(
        _l("Kategorier"), choices=[], validate_choice=False, render_kw={"size": 8},
        description=_l("Velg én eller flere. En hovedkategori tar med alt under den."))
    quantity = StringField(_l("Antall dere ønsker"))
    min_quantity = StringField(_l("Minste antall dere tar imot"), validators=[Optional()],
                               description=_l("Fra én annonse. Tomt betyr 1."))
    unit = SelectField(_l("Enhet"), validate_choice=False, default="pcs",
                       choices=[SelectChoice(u.value, label) for u, label in UNIT_NAMES.items()])
    max_price_nok = StringField(_l("Høyeste pris per enhet (kr)"), validators=[Optional()],
                                description=_l("0 betyr bare gratis; tomt betyr alle priser."))
    min_condition = SelectField(
        _l("Dårligste tilstand dere godtar"), validate_choice=False, default="",
        choices=[SelectChoice("", _l("Alle tilstander")),
                 *[SelectChoice(c.value, label) for c, label in CONDITION_LABELS.items()]])
    postcode = StringField(_l("Postnummer"), render_kw={"maxlength": 4},
                           description=_l("Der dere henter fra."))
    lat = StringField(_l("Breddegrad (valgfritt)"), validators=[Optional()],
                      description=_l("Trengs bare når postnummeret er ukjent for oss."))
    lng = StringField(_l("Lengdegrad (valgfritt)"), validators=[Optional()])
    radius_km = StringField(_l("Hvor langt dere kan hente (km)"), default="25",
                            description=_l("Høyst 500 km."))
    needed_by = StringField(_l("Trengs innen"), validators=[Optional()],
                            description=_l("Ønsket utløper etter denne dagen."))
    project_id = SelectField(_l("Byggeprosjekt som skal ta imot"), choices=[],
                             validate_choice=False, default="",
                             description=_l("Valgfritt: prosjektet dette ønsket er til."))


class CloseForm(FlaskForm):
    fulfilled = BooleanField(_l("Vi fikk det vi trengte"))


class ActionForm(FlaskForm):
    """Only the CSRF token: buttons."""
