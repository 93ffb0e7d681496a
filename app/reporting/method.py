"""The "Metode" sheet: how the figures were made, and every emission factor with its
value, kind, substitution rate, source, version and the date it was taken."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.exchange.factors import all_factors
from app.reporting.exports import Column, Table
from app.reporting.periods import Period

ROUTES = {"reuse": _l("direkte ombruk"), "preparing_for_reuse": _l("forberedelse til ombruk")}
KINDS = {"gross": _l("brutto"), "net": _l("netto")}
SCOPES = {"category": _l("kategori"), "eu_category": _l("EU-kategori"),
          "default": _l("standard for alle")}


def method_notes(period: Period | None = None) -> list[str]:
    notes = []
    if period is not None:
        notes.append(_("Periode: %(a)s til %(b)s (datoer i Europe/Oslo, begge dager med).",
                       a=period.start.isoformat(), b=period.end.isoformat()))
    notes += [
        _("Ombrukt: fullførte overleveringer i Kretsløp (ikke det som bare er lagt ut). "
          "Hver overlevering er én post i et hovedbok-register som aldri endres."),
        _("Feil rettes med en reversering (samme post med negative tall og samme "
          "fullføringstid) og eventuelt en korreksjon; alle summer er netto etter "
          "reverseringer. «Poster» er netto antall: overlevering og korreksjon +1, "
          "reversering -1."),
        _("Stykk: summen av antall for poster målt i stykk; meter, kvadratmeter og "
          "lignende telles bare i kg."),
        _("Vekt: «veid» er veid ved overlevering; «anslått» er antall ganger typisk vekt "
          "per enhet. Begge er tillatte målemetoder etter gjennomføringsbeslutning (EU) "
          "2021/19 (veiing og tilsvarende metoder)."),
        _("Forberedelse til ombruk (gjenstanden kom fra avfallsstrømmen, for eksempel en "
          "gjenvinningsstasjon) holdes atskilt fra direkte ombruk."),
        _("Estimert unngått utslipp (kg CO2e) = kg x faktor x substitusjonsgrad. Faktoren "
          "velges etter kategori, overordnet kategori, EU-kategori og til slutt en "
          "standardfaktor. Hver post lagrer faktorens id og versjon, så nye versjoner "
          "endrer ikke gamle tall. Tallene er anslag, ikke målinger, og er ikke en del av "
          "EU-tabellen."),
        _("Tonn = kg / 1000. Summer er nøyaktige til grammet."),
    ]
    return notes


def factor_columns() -> list[Column]:
    return [
        Column("factor_id", _("Faktor-id"), "int"),
        Column("scope", _("Omfang"), "text"),
        Column("key", _("Gjelder"), "text"),
        Column("route", _("Rute"), "text"),
        Column("version", _("Versjon"), "int"),
        Column("value", _("Verdi (kg CO2e per kg)"), "factor"),
        Column("kind", _("Type (brutto/netto)"), "text"),
        Column("substitution_rate", _("Substitusjonsgrad"), "factor"),
        Column("kg_co2e_per_kg", _("Godskrevet per kg"), "factor"),
        Column("is_default", _("Standardfaktor"), "bool"),
        Column("valid_from", _("Gyldig fra"), "date"),
        Column("taken_on", _("Hentet dato"), "date"),
        Column("source", _("Kilde"), "text"),
        Column("source_url", _("Kilde-URL"), "text"),
        Column("notes", _("Merknader"), "text"),
    ]


def factor_rows() -> list[tuple]:
    return [(f.id, str(SCOPES.get(f.scope, f.scope)), f.key, str(ROUTES.get(f.route, f.route)),
             f.version, f.value, str(KINDS.get(f.kind, f.kind)), f.substitution_rate,
             f.kg_co2e_per_kg, f.is_default, f.valid_from, f.taken_on, f.source, f.source_url,
             f.notes)
            for f in all_factors()]


def method_table(period: Period | None = None) -> Table:
    """The Metode sheet: the emission factors, with the notes on method under them."""
    return Table("Metode", _("Metode og utslippsfaktorer"), factor_columns(), factor_rows(),
                 notes=method_notes(period))
