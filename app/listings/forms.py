"""Forms for the listing pages. Flask-WTF gives CSRF; the field rules live in ``rules``,
so the pages, the API and the import all say the same thing about the same mistake."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from app.listings.categories import all_categories, depth
from app.listings.models import Condition, Unit
from app.pickup.forms import PickupWindowsField

CONDITION_LABELS = {
    Condition.NEW: _l("Ny"), Condition.LIKE_NEW: _l("Som ny"), Condition.GOOD: _l("God"),
    Condition.FAIR: _l("Brukbar"), Condition.FOR_PARTS: _l("Til deler"),
}
UNIT_LABELS = {Unit.PCS: _l("stk"), Unit.M: _l("m"), Unit.M2: _l("m²"), Unit.M3: _l("m³"),
               Unit.KG: _l("kg")}
UNIT_NAMES = {Unit.PCS: _l("stykk (stk)"), Unit.M: _l("meter (m)"),
              Unit.M2: _l("kvadratmeter (m²)"), Unit.M3: _l("kubikkmeter (m³)"),
              Unit.KG: _l("kilo (kg)")}

#: Form fields that carry a listing value, in the order the API names them.
LISTING_FIELDS = ("title", "description", "category", "condition", "quantity", "unit",
                  "unit_weight_kg", "price_nok", "postcode", "address", "lat", "lng",
                  "available_from", "available_until", "material", "dimensions",
                  "pickup_instructions", "waste_origin", "pickup_windows")


def category_groups(locale: str = "nb") -> dict[str, list[tuple[str, str]]]:
    """Categories grouped by top level; deeper levels show their parent."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for category in all_categories():
        root = category
        while root.parent is not None:
            root = root.parent
        name = category.name(locale)
        if depth(category) >= 2:
            name = f"{category.parent.name(locale)} › {name}"
        elif depth(category) == 0 and category.slug != "other":
            name = f"{name} ({_l('generelt')})"
        groups.setdefault(root.name(locale), []).append((category.slug, name))
    return groups


def category_choices(locale: str = "nb") -> list[SelectChoice]:
    """The category select's options, in optgroups per top-level category."""
    return [SelectChoice(slug, name, optgroup=group)
            for group, options in category_groups(locale).items() for slug, name in options]


def organization_choices(user) -> list[SelectChoice]:
    memberships = sorted(user.memberships, key=lambda m: m.organization_id)
    return [SelectChoice(str(m.organization_id), m.organization.name) for m in memberships]


class ListingForm(FlaskForm):
    organization_id = SelectField(_l("Organisasjon"), choices=[], validate_choice=False)
    title = StringField(_l("Tittel"), render_kw={"maxlength": 120},
                        description=_l("Kort og konkret, for eksempel «12 kontorstoler, "
                                       "svarte»."))
    description = TextAreaField(_l("Beskrivelse"), render_kw={"rows": 5, "maxlength": 5000})
    category = SelectField(_l("Kategori"), choices=[], validate_choice=False)
    condition = SelectField(_l("Tilstand"), validate_choice=False,
                            default="good",
                            choices=[SelectChoice(c.value, label)
                                     for c, label in CONDITION_LABELS.items()])
    quantity = StringField(_l("Antall"), description=_l("Hvor mange enheter du har."))
    unit = SelectField(_l("Enhet"), validate_choice=False,
                       choices=[SelectChoice(u.value, label) for u, label in UNIT_NAMES.items()])
    unit_weight_kg = StringField(_l("Vekt per enhet (kg)"), validators=[Optional()],
                                 description=_l("La stå tom for å bruke en typisk vekt for "
                                                "kategorien (anslått)."))
    price_nok = StringField(_l("Pris per enhet (kr)"), validators=[Optional()],
                            description=_l("0 eller tomt betyr gratis."))
    postcode = StringField(_l("Postnummer for henting"), render_kw={"maxlength": 4})
    address = StringField(_l("Henteadresse"), validators=[Optional()])
    lat = StringField(_l("Breddegrad (valgfritt)"), validators=[Optional()],
                      description=_l("Trengs bare når postnummeret er ukjent for oss."))
    lng = StringField(_l("Lengdegrad (valgfritt)"), validators=[Optional()])
    available_from = StringField(_l("Tilgjengelig fra"), validators=[Optional()])
    available_until = StringField(_l("Tilgjengelig til"), validators=[Optional()],
                                  description=_l("Annonsen utløper etter denne dagen."))
    material = StringField(_l("Materiale"), validators=[Optional()])
    dimensions = StringField(_l("Mål"), validators=[Optional()],
                             description=_l("For eksempel «160 x 80 x 72 cm»."))
    pickup_instructions = TextAreaField(_l("Henteinstruksjoner"), render_kw={"rows": 3})
    pickup_windows = PickupWindowsField(_l("Hentetider"))
    waste_origin = BooleanField(_l("Kommer fra avfallsstrømmen (for eksempel "
                                   "gjenvinningsstasjon)"))
    #: New photo files; the photos already added travel as ``photo`` references
    #: (app.listings.photo_form).
    photos = MultipleFileField(_l("Legg til bilder"),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})


class ImportForm(FlaskForm):
    organization_id = SelectField(_l("Organisasjon"), choices=[], validate_choice=False)
    file = FileField(_l("Regneark (CSV eller XLSX)"))
    publish = BooleanField(_l("Publiser gyldige rader med én gang"))


class ActionForm(FlaskForm):
    """Only the CSRF token: publish, withdraw and delete buttons."""
