"""Building parts after NS 3451 «Bygningsdelstabell», the convention reuse mappings use.

We hold the two-digit level (building part) with its names, in bokmål and English; a
three-digit code (e.g. 234 windows, doors and gates) is accepted when its two-digit
parent is here, and named by the parent unless the three-digit name is known below.
The standard itself is sold by Standard Norge; these are the part names as they appear
in public guidance (Byggforskserien 700.803, DiBK's guidance on § 9-7).
"""

from __future__ import annotations

import re

#: code -> (bokmål, English)
PARTS: dict[str, tuple[str, str]] = {
    "21": ("Grunn og fundamenter", "Ground and foundations"),
    "22": ("Bæresystemer", "Load-bearing structures"),
    "23": ("Yttervegger", "External walls"),
    "24": ("Innervegger", "Internal walls"),
    "25": ("Dekker", "Floor structures"),
    "26": ("Yttertak", "Roofs"),
    "27": ("Fast inventar", "Fixed furnishings"),
    "28": ("Trapper, balkonger m.m.", "Stairs, balconies etc."),
    "29": ("Andre bygningsmessige deler", "Other building parts"),
    "31": ("Sanitær", "Sanitary installations"),
    "32": ("Varme", "Heating"),
    "33": ("Brannslokking", "Fire extinguishing"),
    "34": ("Gass og trykkluft", "Gas and compressed air"),
    "35": ("Prosesskjøling", "Process cooling"),
    "36": ("Luftbehandling", "Ventilation"),
    "37": ("Komfortkjøling", "Comfort cooling"),
    "38": ("Vannbehandling", "Water treatment"),
    "39": ("Andre VVS-installasjoner", "Other HVAC installations"),
    "41": ("Basisinstallasjoner for elkraft", "Basic electrical installations"),
    "42": ("Høyspent forsyning", "High-voltage supply"),
    "43": ("Lavspent forsyning", "Low-voltage supply"),
    "44": ("Lys", "Lighting"),
    "45": ("Elvarme", "Electric heating"),
    "46": ("Reservekraft", "Standby power"),
    "49": ("Andre elkraftinstallasjoner", "Other electrical installations"),
    "51": ("Basisinstallasjoner for tele og automatisering",
           "Basic telecom and automation installations"),
    "52": ("Integrert kommunikasjon", "Integrated communication"),
    "53": ("Telefoni og personsøking", "Telephony and paging"),
    "54": ("Alarm og signal", "Alarms and signals"),
    "55": ("Lyd og bilde", "Sound and vision"),
    "56": ("Automatisering", "Automation"),
    "57": ("Instrumentering", "Instrumentation"),
    "59": ("Andre installasjoner for tele og automatisering",
           "Other telecom and automation installations"),
    "61": ("Prefabrikkerte rom", "Prefabricated rooms"),
    "62": ("Person- og varetransport", "Lifts and goods transport"),
    "63": ("Transportanlegg for småvarer", "Transport systems for small goods"),
    "64": ("Sceneteknisk utstyr", "Stage equipment"),
    "65": ("Avfall og støvsuging", "Waste and central vacuum"),
    "66": ("Fastmontert spesialutrustning for virksomhet", "Fixed special equipment"),
    "67": ("Løs spesialutrustning for virksomhet", "Loose special equipment"),
    "69": ("Andre installasjoner", "Other installations"),
    "71": ("Bearbeidet terreng", "Prepared terrain"),
    "72": ("Utendørs konstruksjoner", "Outdoor structures"),
    "73": ("Utendørs VVS", "Outdoor HVAC"),
    "74": ("Utendørs elkraft", "Outdoor electrical"),
    "75": ("Utendørs tele og automatisering", "Outdoor telecom and automation"),
    "76": ("Veger og plasser", "Roads and squares"),
    "77": ("Park og hage", "Parks and gardens"),
    "78": ("Utendørs infrastruktur", "Outdoor infrastructure"),
    "79": ("Andre utendørs anlegg", "Other outdoor works"),
}

#: The three-digit parts most often met in reuse mappings.
DETAIL: dict[str, tuple[str, str]] = {
    "222": ("Søyler", "Columns"),
    "223": ("Bjelker", "Beams"),
    "231": ("Bærende yttervegger", "Load-bearing external walls"),
    "232": ("Ikke-bærende yttervegger", "Non-load-bearing external walls"),
    "233": ("Glassfasader", "Glass facades"),
    "234": ("Vinduer, dører, porter", "Windows, doors, gates"),
    "235": ("Utvendig kledning og overflate", "External cladding and surface"),
    "241": ("Bærende innervegger", "Load-bearing internal walls"),
    "242": ("Ikke-bærende innervegger", "Non-load-bearing internal walls"),
    "243": ("Systemvegger, glassfelt", "System walls, glazed partitions"),
    "244": ("Vinduer, dører, foldevegger", "Windows, doors, folding walls"),
    "251": ("Frittbærende dekker", "Suspended floors"),
    "252": ("Gulv på grunn", "Ground floors"),
    "255": ("Gulvoverflate", "Floor finishes"),
    "256": ("Faste himlinger og overflatebehandling", "Fixed ceilings and finishes"),
    "257": ("Systemhimlinger", "Suspended ceiling systems"),
    "262": ("Taktekning", "Roof coverings"),
    "271": ("Innredninger", "Fittings"),
    "272": ("Kjøkkeninnredning", "Kitchen fittings"),
    "281": ("Innvendige trapper", "Internal stairs"),
    "282": ("Utvendige trapper", "External stairs"),
    "284": ("Balkonger og verandaer", "Balconies and verandas"),
    "286": ("Rekkverk, håndlister og fendere", "Railings, handrails and fenders"),
    "311": ("Sanitærutstyr", "Sanitary fittings"),
    "441": ("Lysarmaturer", "Light fittings"),
}

CODE_RE = re.compile(r"^[2-7]\d{1,2}$")


def known(code: str) -> bool:
    """A two-digit part in the table, or a three-digit code whose parent is."""
    code = (code or "").strip()
    return bool(CODE_RE.match(code)) and code[:2] in PARTS


def name(code: str, locale: str = "nb") -> str:
    index = 1 if locale == "en" else 0
    if code in DETAIL:
        return DETAIL[code][index]
    part = PARTS.get((code or "")[:2])
    return part[index] if part else ""


def group(code: str) -> str:
    """The two-digit part a code belongs to (the report sums by it)."""
    return (code or "")[:2]


def choices(locale: str = "nb") -> list[tuple[str, str]]:
    """(code, "code name") for a select, two-digit and known three-digit codes in order."""
    codes = sorted({*PARTS, *DETAIL})
    return [(code, f"{code} {name(code, locale)}") for code in codes]
