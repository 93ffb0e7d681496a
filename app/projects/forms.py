"""Forms for the project pages; the field rules live in ``rules`` (shared with the API
and the import), so every door says the same thing about the same mistake."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.listings.forms import CONDITION_LABELS, UNIT_NAMES
from app.projects.models import Hazard, PartnerRole, Suitability, WorkKind
from app.projects.rules import PROJECT_FIELDS

WORK_LABELS = {WorkKind.DEMOLITION: _l("Riving"), WorkKind.RENOVATION: _l("Rehabilitering"),
               WorkKind.NEW_BUILD: _l("Nybygg (tar imot ombrukte komponenter)")}
ROLE_LABELS = {PartnerRole.BUILDER: _l("Byggherre"),
               PartnerRole.CONSULTANT: _l("Rådgiver (kartlegger)"),
               PartnerRole.DEMOLITION: _l("Riveentreprenør"),
               PartnerRole.CONTRACTOR: _l("Entreprenør"),
               PartnerRole.RECEIVER: _l("Mottaker")}
SUITABILITY_LABELS = {Suitability.SUITABLE: _l("Egnet for ombruk"),
                      Suitability.AFTER_WORK: _l("Egnet etter utbedring"),
                      Suitability.NOT_SUITABLE: _l("Ikke egnet")}
HAZARD_LABELS = {Hazard.ASBESTOS: _l("Asbest"), Hazard.PCB: _l("PCB"), Hazard.LEAD: _l("Bly"),
                 Hazard.MERCURY: _l("Kvikksølv"),
                 Hazard.CHLORINATED_PARAFFINS: _l("Klorparafiner"),
                 Hazard.BROMINATED_FLAME_RETARDANTS: _l("Bromerte flammehemmere"),
                 Hazard.PHTHALATES: _l("Ftalater"), Hazard.PAH: _l("PAH"),
                 Hazard.CFC: _l("KFK/HKFK"), Hazard.CREOSOTE: _l("Kreosot"),
                 Hazard.HEAVY_METALS: _l("Tungmetaller"), Hazard.OTHER: _l("Annen miljøgift")}
STATUS_LABELS = {"active": _l("Aktivt"), "completed": _l("Avsluttet")}

#: The project form has every field the API and the rules know.
PROJECT_FORM_FIELDS = PROJECT_FIELDS
COMPONENT_FORM_FIELDS = ("building_part", "name", "description", "category", "quantity",
                         "unit", "unit_weight_kg", "dimensions", "material", "condition",
                         "floor", "room", "drawing_mark", "suitability", "suitability_reason",
                         "hazards")


class ProjectForm(FlaskForm):
    organization_id = SelectField(_l("Organisasjon"), choices=[], validate_choice=False)
    name = StringField(_l("Prosjektnavn"), render_kw={"maxlength": 160},
                       description=_l("For eksempel «Riving av Kunnskapsveien 1»."))
    work_kind = SelectField(_l("Type arbeid"), validate_choice=False, default="demolition",
                            choices=[SelectChoice(k.value, v) for k, v in WORK_LABELS.items()])
    description = TextAreaField(_l("Beskrivelse"), render_kw={"rows": 3, "maxlength": 5000})
    address = StringField(_l("Adresse"), render_kw={"maxlength": 200})
    postcode = StringField(_l("Postnummer"), render_kw={"maxlength": 4})
    municipality_number = StringField(
        _l("Kommunenummer"), validators=[Optional()], render_kw={"maxlength": 4},
        description=_l("Fire siffer, for eksempel 3203 for Asker. Tomt: vi finner det fra "
                       "postnummeret når vi kan."))
    gnr = StringField(_l("Gårdsnummer (gnr)"), render_kw={"maxlength": 5})
    bnr = StringField(_l("Bruksnummer (bnr)"), render_kw={"maxlength": 5})
    fnr = StringField(_l("Festenummer (fnr)"), validators=[Optional()],
                      render_kw={"maxlength": 5}, description=_l("Bare der det finnes."))
    snr = StringField(_l("Seksjonsnummer (snr)"), validators=[Optional()],
                      render_kw={"maxlength": 5}, description=_l("Bare der det finnes."))
    building_year = StringField(_l("Byggeår"), validators=[Optional()],
                                render_kw={"maxlength": 4})
    former_use = StringField(_l("Tidligere bruk"), validators=[Optional()],
                             render_kw={"maxlength": 200},
                             description=_l("For eksempel kontor, skole eller bolig."))
    area_m2 = StringField(
        _l("Areal som berøres (m² BRA)"), validators=[Optional()],
        description=_l("Ombrukskartlegging kreves ved riving eller vesentlig endring av mer "
                       "enn 100 m² BRA, eller mer enn 10 tonn avfall (TEK17 § 9-7)."))
    reuse_target_percent = StringField(
        _l("Mål for ombruk (% av kartlagt vekt)"), validators=[Optional()],
        description=_l("For eksempel prosjektets FutureBuilt-mål."))
    mapping_date = StringField(_l("Dato for kartleggingen"), validators=[Optional()])
    access_date = StringField(
        _l("Komponentene kan hentes fra"), validators=[Optional()],
        description=_l("Publiserte komponenter kan reserveres nå og hentes fra denne dagen."))
    demolition_start = StringField(_l("Rivingen starter"), validators=[Optional()])
    mapped_by = StringField(_l("Kartlagt av"), validators=[Optional()],
                            render_kw={"maxlength": 300},
                            description=_l("Navn og firma på dem som kartla."))


class PartnerForm(FlaskForm):
    organization = StringField(_l("Organisasjonsnummer"), render_kw={"maxlength": 11},
                               description=_l("Organisasjonen må være registrert i Kretsløp."))
    role = SelectField(_l("Rolle"), validate_choice=False, default="consultant",
                       choices=[SelectChoice(k.value, v) for k, v in ROLE_LABELS.items()])


class ActionForm(FlaskForm):
    """Only the CSRF token: buttons."""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ComponentForm(FlaskForm):
    client_key = HiddenField()
    photos = MultipleFileField(_l("Bilder"), render_kw={"accept": "image/*",
                                                        "capture": "environment"},
                               description=_l("Ta bilde med telefonen, eller velg bilder."))
    building_part = SelectField(_l("Bygningsdel (NS 3451)"), choices=[], validate_choice=False)
    name = StringField(_l("Komponent"), render_kw={"maxlength": 120},
                       description=_l("For eksempel «Innerdør eik 9x21»."))
    quantity = StringField(_l("Mengde"))
    unit = SelectField(_l("Enhet"), validate_choice=False, default="pcs",
                       choices=[SelectChoice(u.value, label) for u, label in UNIT_NAMES.items()])
    unit_weight_kg = StringField(_l("Vekt per enhet (kg)"), validators=[Optional()],
                                 description=_l("Tomt: vi bruker kategoriens typiske vekt "
                                                "når komponenten publiseres."))
    category = SelectField(_l("Kategori i markedsplassen"), choices=[], validate_choice=False,
                           description=_l("Trengs for å publisere komponenten."))
    condition = SelectField(_l("Tilstand"), validate_choice=False, default="good",
                            choices=[SelectChoice(c.value, label)
                                     for c, label in CONDITION_LABELS.items()])
    dimensions = StringField(_l("Dimensjoner"), validators=[Optional()],
                             render_kw={"maxlength": 200})
    material = StringField(_l("Materiale"), validators=[Optional()],
                           render_kw={"maxlength": 200})
    floor = StringField(_l("Etasje"), validators=[Optional()], render_kw={"maxlength": 40})
    room = StringField(_l("Rom"), validators=[Optional()], render_kw={"maxlength": 80})
    drawing_mark = StringField(_l("Tegningsreferanse"), validators=[Optional()],
                               render_kw={"maxlength": 80},
                               description=_l("For eksempel «A-201, pos. 12»."))
    suitability = RadioField(_l("Egnet for ombruk?"), default="suitable", validate_choice=False,
                             choices=[SelectChoice(k.value, v)
                                      for k, v in SUITABILITY_LABELS.items()])
    suitability_reason = TextAreaField(_l("Begrunnelse"), validators=[Optional()],
                                       render_kw={"rows": 2, "maxlength": 1000},
                                       description=_l("Må fylles ut når den ikke er egnet."))
    hazards = MultiCheckboxField(_l("Miljøgifter fra miljøkartleggingen"),
                                 validate_choice=False,
                                 choices=[SelectChoice(k.value, v)
                                          for k, v in HAZARD_LABELS.items()],
                                 description=_l("En komponent med miljøgifter kan ikke "
                                                "ombrukes."))
    description = TextAreaField(_l("Merknad"), validators=[Optional()],
                                render_kw={"rows": 2, "maxlength": 5000})
