"""The record of processing activities (GDPR art. 30): one structured source in code.

The site admins' page (/admin/processing) and its CSV are made from :func:`activities`;
the retention periods come from the configuration the retention command uses, so the
record and what the system does are the same fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from app import formatting


@dataclass(frozen=True)
class Activity:
    key: str
    name: str
    purpose: str
    legal_basis: str
    people: str
    data: str
    recipients: str
    retention: str
    security: str


def activities() -> list[Activity]:
    """The activities in the current language, with today's configured ages."""
    c: dict[str, Any] = current_app.config
    messages = formatting.number(c["RETENTION_MESSAGE_DAYS"])
    inactive = formatting.number(c["RETENTION_INACTIVE_ACCOUNT_DAYS"])
    ttl = formatting.number(c["DATA_EXPORT_TTL_HOURS"])
    outbox = formatting.number(c["RETENTION_OUTBOX_DAYS"])
    common_security = _("HTTPS, tilgang etter rolle i organisasjonen, CSRF-vern, "
                        "revisjonslogg for administratorhandlinger.")
    return [
        Activity(
            "accounts", _("Brukerkontoer og innlogging"),
            _("Gi personer tilgang til tjenesten på vegne av en organisasjon."),
            _("Avtale (art. 6 nr. 1 b) med organisasjonen og brukeren."),
            _("Ansatte og frivillige i organisasjoner som bruker Kretsløp."),
            _("Navn, e-postadresse, språk, passord (bare som hash), roller, innlogginger "
              "(enhet, omtrentlig sted fra forkortet IP-adresse, tidspunkter), API-nøkler "
              "(bare som hash), tofaktorinnlogging (hemmeligheten kryptert, "
              "reservekoder som hash)."),
            _("Bare Kretsløps administratorer. E-post sendes gjennom e-postleverandøren."),
            _("Til kontoen slettes. Kontoer som ikke er brukt på %(days)s dager, "
              "anonymiseres, tidligst 30 dager etter et varsel på e-post.", days=inactive),
            _("Passord med scrypt, økter avsluttes ved passordbytte, begrensning av "
              "innloggingsforsøk, tofaktorinnlogging.") + " " + common_security),
        Activity(
            "organisations", _("Organisasjoner og verifisering"),
            _("Vite hvem som gir og tar imot, og bekrefte organisasjonen."),
            _("Berettiget interesse (art. 6 nr. 1 f): tillit i markedsplassen."),
            _("Kontaktpersoner i organisasjoner."),
            _("Organisasjonsnummer, navn og adresse (fra Enhetsregisteret), medlemmer."),
            _("Offentlig profil. Enhetsregisteret (Brønnøysundregistrene) får "
              "organisasjonsnummeret ved oppslag."),
            _("Så lenge organisasjonen bruker tjenesten; det som står i "
              "ombruksregnskapet, beholdes."),
            common_security),
        Activity(
            "marketplace", _("Annonser, ønsker, reservasjoner og meldinger"),
            _("Formidle ombruk mellom organisasjoner."),
            _("Avtale (art. 6 nr. 1 b)."),
            _("Brukere som lager annonser, ønsker, reservasjoner og meldinger."),
            _("Hvem som skrev hva og når, meldinger og spørsmål, hentetider."),
            _("Den andre organisasjonen i en reservasjon eller et spørsmål. "
              "E-postleverandøren for varsler."),
            _("Meldinger og spørsmål anonymiseres etter %(days)s dager. Annonser og "
              "ønsker blir hos organisasjonen.", days=messages),
            common_security),
        Activity(
            "payments", _("Betaling"),
            _("Ta betalt for reservasjoner med pris."),
            _("Avtale (art. 6 nr. 1 b) og bokføringsplikt (art. 6 nr. 1 c)."),
            _("Kjøpende og selgende organisasjoner."),
            _("Beløp, tidspunkt og betalingsreferanse. Kortdata håndteres bare av Stripe."),
            _("Stripe (betalingsformidler)."),
            _("Etter bokføringsloven (fem år)."),
            _("Webhooks kontrolleres med signatur.") + " " + common_security),
        Activity(
            "ledger", _("Ombruksregnskap og kommunal rapportering"),
            _("Rapportere ombruk til kommunen (EU 2021/19) og åpne data."),
            _("Allmennhetens interesse (art. 6 nr. 1 e)."),
            _("Ingen personer: regnskapet inneholder organisasjoner, ikke personer."),
            _("Organisasjon, kategori, mengde, vekt og dato."),
            _("Kommunen, åpne data (summer)."),
            _("Varig. Rader endres aldri; rettelser er nye rader."),
            _("Databasen nekter endring og sletting.") + " " + common_security),
        Activity(
            "notifications", _("Varsler og e-post"),
            _("Fortelle brukere om det som skjer med reservasjoner, spørsmål og treff."),
            _("Avtale (art. 6 nr. 1 b)."),
            _("Brukere."),
            _("E-postadresse, varslenes innhold, valg for e-post."),
            _("E-postleverandøren (SMTP)."),
            _("Slettes når kontoen slettes. Sendte e-poster fjernes fra utsendingskøen etter "
              "%(days)s dager.", days=outbox),
            common_security),
        Activity(
            "audit", _("Revisjonslogg"),
            _("Kunne etterprøve administratorhandlinger og endringer i tilgang."),
            _("Berettiget interesse (art. 6 nr. 1 f): sikkerhet og etterprøvbarhet."),
            _("Administratorer og personer handlingene gjelder."),
            _("Hvem som gjorde hva, når, hvorfor, og IP-adresse."),
            _("Bare Kretsløps administratorer."),
            _("Varig. Loggen kan ikke endres; slettede personer vises som «Tidligere "
              "bruker»."),
            _("Databasen nekter endring og sletting.") + " " + common_security),
        Activity(
            "rights", _("Innsyn og sletting"),
            _("Gi personer dataene sine og slette kontoen på forespørsel."),
            _("Rettslig forpliktelse (art. 6 nr. 1 c, art. 15, 17 og 20)."),
            _("Brukere."),
            _("Fil med alle opplysninger om personen."),
            _("Bare personen selv."),
            _("Filen slettes etter %(hours)s timer.", hours=ttl),
            _("Lenken virker bare for eieren.") + " " + common_security),
    ]


FIELDS = ("name", "purpose", "legal_basis", "people", "data", "recipients", "retention",
          "security")


def headings() -> dict[str, str]:
    return {"name": _("Behandling"), "purpose": _("Formål"),
            "legal_basis": _("Rettslig grunnlag"), "people": _("Hvem det gjelder"),
            "data": _("Opplysninger"), "recipients": _("Hvem ser dem"),
            "retention": _("Lagringstid"), "security": _("Sikkerhet")}
