"""Postcodes for Asker and its neighbours, with local community (district) and a point.

Coordinates are approximate centres of each place (WGS 84, about 1 km precision), good
for distance search and district statistics, not for navigation. A postcode not in the
table needs ``lat``/``lng`` given directly. Place names follow Posten's register;
districts for Asker are its local communities (lokalsamfunn).
"""

from __future__ import annotations

from typing import NamedTuple


class Place(NamedTuple):
    postcode: str
    place: str
    district: str
    municipality: str
    lat: float
    lng: float


# place, district, municipality, lat, lng, postcodes
_AREAS: tuple[tuple[str, str, str, float, float, tuple[int, ...]], ...] = (
    # Asker (municipality 3203): old Asker
    ("Asker", "Asker sentrum", "Asker", 59.8336, 10.4353,
     (1371, 1372, 1373, 1383, 1384, 1385, 1386, 1387, 1399)),
    ("Billingstad", "Billingstad", "Asker", 59.8665, 10.4865, (1375, 1376, 1377, 1396)),
    ("Nesbru", "Nesbru", "Asker", 59.8600, 10.4980, (1378, 1379, 1394)),
    ("Heggedal", "Heggedal", "Asker", 59.7880, 10.4430, (1380, 1389)),
    ("Vettre", "Vettre", "Asker", 59.8190, 10.4720, (1381, 1392)),
    ("Borgen", "Borgen", "Asker", 59.8420, 10.4060, (1388,)),
    ("Vollen", "Vollen", "Asker", 59.8020, 10.4840, (1390, 1391, 1393)),
    ("Hvalstad", "Hvalstad", "Asker", 59.8580, 10.4600, (1395,)),
    ("Nesøya", "Nesøya", "Asker", 59.8670, 10.5290, (1397,)),
    # Asker: old Røyken
    ("Spikkestad", "Spikkestad", "Asker", 59.7450, 10.3470, (3430, 3431)),
    ("Røyken", "Røyken", "Asker", 59.7490, 10.3920, (3440, 3441)),
    ("Hyggen", "Hyggen", "Asker", 59.7120, 10.3720, (3442,)),
    ("Slemmestad", "Slemmestad", "Asker", 59.7820, 10.4960, (3470, 3471)),
    ("Bødalen", "Slemmestad", "Asker", 59.7700, 10.5010, (3472,)),
    ("Nærsnes", "Nærsnes", "Asker", 59.7570, 10.5260, (3478,)),
    ("Åros", "Åros", "Asker", 59.7130, 10.5050, (3474,)),
    # Asker: old Hurum
    ("Sætre", "Sætre", "Asker", 59.6820, 10.5290, (3475, 3476)),
    ("Båtstø", "Sætre", "Asker", 59.6950, 10.5150, (3477,)),
    ("Filtvet", "Filtvet", "Asker", 59.5700, 10.6050, (3480,)),
    ("Tofte", "Tofte", "Asker", 59.5450, 10.5670, (3481, 3482)),
    ("Ryggkollen", "Tofte", "Asker", 59.5600, 10.5550, (3483,)),
    ("Holmsbu", "Holmsbu", "Asker", 59.5570, 10.4550, (3484,)),
    ("Klokkarstua", "Klokkarstua", "Asker", 59.6370, 10.4300, (3490, 3491)),
    # Bærum
    ("Sandvika", "Sandvika", "Bærum", 59.8910, 10.5230,
     (1300, 1301, 1302, 1303, 1306, 1336, 1337, 1338)),
    ("Slependen", "Slependen", "Bærum", 59.8740, 10.5100, (1312, 1341)),
    ("Vøyenenga", "Vøyenenga", "Bærum", 59.9020, 10.4940, (1313, 1314, 1339)),
    ("Rud", "Rud", "Bærum", 59.9040, 10.5080, (1309, 1351)),
    ("Høvikodden", "Høvik", "Bærum", 59.8860, 10.5690, (1311,)),
    ("Høvik", "Høvik", "Bærum", 59.8990, 10.5750, (1322, 1323, 1363)),
    ("Eiksmarka", "Eiksmarka", "Bærum", 59.9420, 10.6200, (1316, 1359)),
    ("Bærums Verk", "Bærums Verk", "Bærum", 59.9360, 10.4890, (1317, 1353, 1354)),
    ("Bekkestua", "Bekkestua", "Bærum", 59.9180, 10.5880, (1318, 1319, 1356, 1357)),
    ("Stabekk", "Stabekk", "Bærum", 59.9090, 10.6120, (1321, 1368, 1369)),
    ("Lysaker", "Lysaker", "Bærum", 59.9130, 10.6370, (1324, 1325, 1326, 1327, 1366)),
    ("Lommedalen", "Lommedalen", "Bærum", 59.9550, 10.4680, (1329, 1350)),
    ("Fornebu", "Fornebu", "Bærum", 59.8970, 10.6230, (1307, 1330, 1331, 1360, 1364)),
    ("Østerås", "Østerås", "Bærum", 59.9400, 10.6020, (1332, 1361)),
    ("Kolsås", "Kolsås", "Bærum", 59.9190, 10.5040, (1333, 1352)),
    ("Rykkinn", "Rykkinn", "Bærum", 59.9260, 10.4780, (1334, 1348, 1349)),
    ("Snarøya", "Snarøya", "Bærum", 59.8790, 10.6020, (1335, 1367)),
    ("Skui", "Skui", "Bærum", 59.9250, 10.4400, (1340,)),
    ("Gjettum", "Gjettum", "Bærum", 59.9070, 10.5220, (1342, 1346)),
    ("Haslum", "Haslum", "Bærum", 59.9160, 10.5450, (1344,)),
    ("Jar", "Jar", "Bærum", 59.9250, 10.6200, (1358,)),
    ("Hosle", "Hosle", "Bærum", 59.9280, 10.5750, (1362,)),
    ("Blommenholm", "Blommenholm", "Bærum", 59.8970, 10.5600, (1365,)),
    # Lier
    ("Lier", "Lierbyen", "Lier", 59.7830, 10.2430, (3400, 3401)),
    ("Tranby", "Tranby", "Lier", 59.8130, 10.2550, (3408,)),
    ("Sylling", "Sylling", "Lier", 59.8930, 10.2870, (3410, 3411)),
    ("Lierstranda", "Lierstranda", "Lier", 59.7570, 10.2470, (3412, 3414)),
    ("Lierskogen", "Lierskogen", "Lier", 59.8000, 10.3100, (3420, 3421)),
    ("Reistad", "Reistad", "Lier", 59.7860, 10.3040, (3425,)),
    ("Gullaug", "Gullaug", "Lier", 59.7380, 10.2830, (3426, 3427)),
    # Drammen (a few central codes)
    ("Drammen", "Drammen", "Drammen", 59.7440, 10.2040,
     (3015, 3016, 3017, 3018, 3019, 3021, 3022, 3023, 3024, 3025, 3026, 3027, 3028,
      3029, 3030, 3031, 3032, 3033, 3034, 3035, 3036, 3037, 3038, 3039, 3040, 3041,
      3042, 3043, 3044, 3045, 3046, 3047, 3048)),
)

POSTCODES: dict[str, Place] = {
    f"{code:04d}": Place(f"{code:04d}", place, district, municipality, lat, lng)
    for place, district, municipality, lat, lng, codes in _AREAS
    for code in codes
}


#: Municipality numbers (SSB classification 131, valid from 2024) for the places in this
#: table; Asker was 0220 before 2020 and 3025 in 2020-2023.
MUNICIPALITY_NUMBERS = {"Asker": "3203", "Bærum": "3201", "Drammen": "3301", "Lier": "3312"}


def municipality_number(postcode: str) -> str | None:
    """The municipality number of a postcode in the table, or None."""
    place = lookup(postcode)
    return MUNICIPALITY_NUMBERS.get(place.municipality) if place is not None else None


def lookup(postcode: str) -> Place | None:
    """The place for a four-digit postcode, or None when it is not in the table."""
    return POSTCODES.get((postcode or "").strip())


def districts() -> list[str]:
    """Asker's districts (local communities), sorted."""
    return sorted({p.district for p in POSTCODES.values() if p.municipality == "Asker"})
