"""A labelled evaluation set for matching: listings, wanted requests, and for each request
which listings a person would want offered (True) or not (False), with why.

Bokmål and English on both sides, with deliberate near-misses: the right category but too
far, too expensive, worse condition, too few; sibling categories (some right, some
wrong); synonym-only matches (murstein/teglstein, couch/sofa); English requests against
Norwegian listings and the other way round; the requester's own listing.

Distances from Asker sentrum (1383): Heggedal 1389 5 km, Nesbru 1394 5 km, Billingstad
1396 5 km, Slemmestad 3470 7 km, Sandvika 1300 8 km, Røyken 3440 10 km, Spikkestad 3430
11 km, Tofte 3481 33 km, Holmsbu 3484 31 km (Tofte-Holmsbu 6.5 km, Tofte-Filtvet 3480
3.5 km).
"""

from __future__ import annotations

# Organisations: key -> (kind, name). Listers first, then requesters.
ORGS = {
    "bygg": ("business", "Heggedal Bygg AS"),
    "eiendom": ("municipality", "Asker kommune, eiendom"),
    "kontor": ("business", "Nesbru Kontorhotell AS"),
    "sofa": ("reuse_shop", "Miljøsofa Asker"),
    "omigjen": ("reuse_shop", "Omigjen Røyken"),
    "skole": ("municipality", "Asker kommune, skoleetaten"),
    "klubb": ("nonprofit", "Tofte idrettslag"),
}


def L(org, title, category, postcode, quantity=10, condition="good", price=0, unit="pcs",  # noqa: N802
      description="", kg=None):
    return {"org": org, "title": title, "category": category, "postcode": postcode,
            "quantity": quantity, "condition": condition, "price_nok": price, "unit": unit,
            "description": description, "unit_weight_kg": kg}


LISTINGS = {
    # office chairs
    "hag": L("bygg", "Kontorstoler Håg H05", "office-chair", "1389", 30),
    "kinnarps": L("kontor", "Kontorstol Kinnarps 6000", "office-chair", "1394", 10,
                  "like_new", 150),
    "officechairs": L("kontor", "Office chairs, black", "office-chair", "1396", 25),
    "chairs_tofte": L("eiendom", "Kontorstoler", "office-chair", "3481", 20),
    "chairs_design": L("kontor", "Kontorstoler, designer", "office-chair", "1383", 10, "new",
                       900),
    "chairs_parts": L("bygg", "Kontorstoler til deler", "office-chair", "1389", 15,
                      "for_parts"),
    "chairs_two": L("kontor", "Kontorstol, 2 stk", "office-chair", "1383", 2),
    "furniture_chairs": L("eiendom", "Kontorstoler, 8 stk", "furniture", "1383", 8, kg=15),
    "chairs_wrongcat": L("kontor", "Office chairs with armrests", "chair", "1394", 12),
    "chair_parts": L("bygg", "Hjul og gassfjærer til kontorstoler", "office-chair", "1389",
                     50),
    # parts and accessories next to the main items (issue #17): near, free, plenty
    "armrests": L("bygg", "Armlener til HÅG-stoler", "office-chair", "1383", 40),
    "wheels": L("kontor", "Hjul til kontorstoler", "office-chair", "1394", 100),
    "hag_parts": L("bygg", "HÅG-deler, seter og rygger", "office-chair", "1389", 30),
    "chair_covers": L("eiendom", "Trekk for kontorstol, blå", "office-chair", "1383", 20),
    "desk_legs": L("kontor", "Ben til skrivebord", "desk", "1394", 20),
    "brackets": L("eiendom", "Hylleknekter, galvanisert", "shelving", "3430", 200),
    # chairs, armchairs, sofas
    "dining": L("eiendom", "Spisestoler, bjørk", "chair", "1383", 40),
    "stacking": L("eiendom", "Stoler, stablebare", "chair", "3440", 60, "fair"),
    "barstools": L("kontor", "Barkrakker", "chair", "1389", 12, price=50),
    "armchairs": L("kontor", "Lenestoler, grønne", "armchair", "1394", 4, "like_new", 100),
    "sofa3": L("kontor", "Sofa, 3-seter, som ny", "sofa", "1394", 2, "like_new", 100),
    "sofa_worn": L("eiendom", "Sofa, slitt", "sofa", "1383", 1, "fair"),
    "couch": L("bygg", "Couch, leather", "sofa", "1396", 1, "new", 250),
    "sofa_tofte": L("eiendom", "Sofa og sofabord", "sofa", "3481", 1),
    "chairs_filtvet": L("eiendom", "Stoler til grendehus", "chair", "3480", 30),
    # desks and tables
    "desk_birch": L("kontor", "Skrivebord, bjørk 160x80", "desk", "1394", 12),
    "sitstand": L("kontor", "Hev-senk-skrivebord", "height-adjustable-desk", "1389", 8),
    "pulter": L("eiendom", "Pulter", "desk", "1300", 20, "fair", 100),
    "desk_holmsbu": L("eiendom", "Skrivebord", "desk", "3484", 10),
    "meeting": L("kontor", "Møtebord, eik", "meeting-table", "1383", 2),
    "desk_broken": L("bygg", "Skrivebord, ødelagt", "desk", "1383", 10, "for_parts"),
    "table_tofte": L("eiendom", "Spisebord", "table", "3483", 3),
    # doors, windows, bricks
    "doors_white": L("bygg", "Innerdører, hvite", "door", "3430", 12),
    "oak_door": L("bygg", "Ytterdør i eik", "door", "3470", 1, "like_new", 400),
    "doors_en": L("eiendom", "Doors, interior, 10 pcs", "door", "1383", 10),
    "doors_dear": L("kontor", "Dører", "door", "3440", 10, "new", 1500),
    "windows": L("bygg", "Vinduer, 3-lags glass", "window", "3440", 10),
    "murstein": L("bygg", "Murstein, 800 stk", "bricks", "3440", 800, "fair"),
    "tegl_old": L("eiendom", "Teglstein, gammel", "bricks", "1383", 1000, "fair"),
    "tegl_few": L("bygg", "Tegl, 150 stk", "bricks", "1390", 150),
    "roof": L("bygg", "Takstein", "roof-tiles", "1389", 600),
    "doors_tofte": L("eiendom", "Dører", "door", "3481", 6),
    "floortiles": L("bygg", "Gulvfliser, grå 30x30", "tiles", "1389", 40, unit="m2"),
    "walltiles": L("kontor", "Wall tiles, white", "tiles", "1394", 25, unit="m2"),
    "ceilingtiles": L("kontor", "Himlingsplater 60x60", "ceiling-tiles", "1394", 80, unit="m2"),
    # lighting, IT, shelving
    "floorlamps": L("eiendom", "Gulvlamper", "lamp", "1389", 10),
    "ceilinglamps": L("kontor", "Taklamper, 12 stk", "lamp", "1394", 12),
    "fittings": L("kontor", "Lysrørarmaturer", "light-fitting", "1394", 40),
    "laptops": L("kontor", "Bærbare PC-er Lenovo", "laptop", "1300", 20, "good", 800),
    "laptops_few": L("kontor", "Bærbar PC", "laptop", "1394", 3, "good", 500),
    "monitors": L("kontor", "PC-skjermer 24 tommer", "monitor", "1394", 30),
    "desktops": L("kontor", "Stasjonære PC-er", "computer", "1394", 15),
    "laptop_bags": L("kontor", "Vesker til bærbar PC", "laptop", "1394", 30),
    "chargers": L("kontor", "Ladere for Lenovo laptop", "laptop", "1300", 25),
    "monitors_nb": L("eiendom", "Skjermer til bærbar PC, 27 tommer", "monitor", "1383", 12),
    "racks": L("bygg", "Reoler, stål", "shelving", "3440", 20, "fair"),
    "bookcases": L("eiendom", "Bokhyller", "shelving", "3440", 10),
    "cabinets": L("eiendom", "Arkivskap", "storage", "3430", 10),
    "shelves_holmsbu": L("eiendom", "Hyller", "shelving", "3484", 20),
    # insulation, boards, other
    "stonewool": L("bygg", "Steinull, 150 m²", "insulation", "3440", 150, unit="m2"),
    "glasswool": L("bygg", "Glassull 10 m²", "insulation", "1389", 10, unit="m2"),
    "insulationboards": L("bygg", "Isolasjonsplater", "insulation", "3470", 40, unit="m2"),
    "whiteboards": L("eiendom", "Tavler, hvite", "whiteboards", "1389", 5),
    "whiteboard": L("kontor", "Whiteboard 120x90", "whiteboards", "1394", 2),
    "whiteboard_own": L("sofa", "Whiteboard", "whiteboards", "1383", 3),
    "bikes": L("eiendom", "Sykler, 6 stk", "bicycles", "3430", 6, "fair"),
    "kidsbike": L("bygg", "Barnesykkel", "bicycles", "3470", 1),
    "helmets": L("eiendom", "Sykkelhjelmer", "sports", "3430", 10, kg=0.4),
    "moccamaster": L("kontor", "Kaffemaskin, Moccamaster", "coffee-machine", "1394", 2,
                     price=200),
    "washer": L("eiendom", "Vaskemaskin", "washing-machine", "1383", 1),
    "eurpallets": L("bygg", "EUR pallets", "pallets", "1389", 40),
    "pallets_few": L("kontor", "Paller, 5 stk", "pallets", "1396", 5),
}


def R(org, title, categories, postcode, radius, quantity, least=1, price=None,  # noqa: N802
      condition=None, unit="pcs", description=""):
    return {"org": org, "title": title, "categories": categories, "postcode": postcode,
            "radius_km": radius, "quantity": quantity, "min_quantity": least,
            "max_price_nok": price, "min_condition": condition, "unit": unit,
            "description": description}


REQUESTS = {
    "office": R("sofa", "Kontorstoler", ["office-chair"], "1383", 15, 20, 5, 200, "good"),
    "canteen": R("skole", "Stoler til kantina", ["chair"], "1389", 20, 40, 10, 0, "fair"),
    "desks_en": R("skole", "Office desks", ["desk"], "1383", 25, 10, 2, None, "fair"),
    "doors": R("omigjen", "Dører", ["door"], "3440", 20, 8, 1, 500, "good"),
    "bricks": R("omigjen", "Teglstein", ["bricks"], "1389", 30, 500, 200, 5),
    "lamps_en": R("skole", "Lamps for the library", ["lamp"], "1383", 20, 10, 1, None, "good"),
    "laptops_en": R("skole", "Laptops", ["laptop"], "1383", 30, 15, 5, 1000, "good"),
    "shelves": R("omigjen", "Hyller til lager", ["shelving"], "3430", 15, 20, 5, 0),
    "sofas": R("sofa", "Sofaer", ["sofa"], "1383", 10, 5, 1, 300, "like_new"),
    "insulation": R("omigjen", "Isolasjon", ["insulation"], "1389", 25, 100, 20, unit="m2"),
    "whiteboards": R("sofa", "Whiteboard", ["whiteboards"], "1383", 15, 4, 1, 0),
    "community": R("klubb", "Møbler til grendehuset", ["furniture"], "3481", 8, 10, 1, 200,
                   "good"),
    "bikes_en": R("klubb", "Bicycles for the youth club", ["bicycles"], "3440", 15, 5, 1, 0),
    "coffee": R("skole", "Kaffemaskin", ["coffee-machine"], "1383", 20, 2, 1, 500, "good"),
    "pallets": R("omigjen", "Paller", ["pallets"], "1394", 10, 50, 10, 0),
    # issue #17: the thing asked for, not its parts; laptops are not monitors; tiles
    "chairs_shop": R("sofa", "10-20 kontorstoler", ["office-chair"], "1383", 15, 20, 10, None,
                     "fair"),
    "wheels_wanted": R("omigjen", "Hjul til kontorstoler", ["office-chair"], "1383", 15, 50,
                       10, 0),
    "laptops_nb": R("skole", "Bærbare PC-er", ["laptop"], "1383", 30, 15, 5, 1000, "good"),
    "tiles_en": R("omigjen", "Tiles for the bathroom", ["tiles"], "1383", 20, 30, 10,
                  unit="m2"),
    "desks_nb": R("skole", "Skrivebord til klasserom", ["desk"], "1383", 15, 10, 5, 200),
}

#: request -> listing -> (relevant, why)
LABELS: dict[str, dict[str, tuple[bool, str]]] = {
    "office": {
        "hag": (True, "same category, near, free"),
        "kinnarps": (True, "same category, under the maximum"),
        "officechairs": (True, "English listing, Norwegian request"),
        "chairs_tofte": (False, "too far: 33 km of 15"),
        "chairs_design": (False, "too expensive: 900 of 200"),
        "chairs_parts": (False, "worse condition: for parts"),
        "chairs_two": (False, "too few: 2 of at least 5"),
        "dining": (False, "sibling category without shared words"),
        "desk_birch": (False, "unrelated category"),
        "armchairs": (False, "unrelated sibling of office chairs"),
        "furniture_chairs": (True, "office chairs listed under the general category"),
        "chairs_wrongcat": (True, "office chairs listed as chairs: sibling with words"),
        "chair_parts": (False, "spare parts for office chairs, not chairs"),
        "armrests": (False, "armrests, not chairs"),
        "wheels": (False, "wheels, not chairs"),
        "hag_parts": (False, "seats and backs, not chairs"),
        "chair_covers": (False, "covers, not chairs"),
    },
    "canteen": {
        "dining": (True, "same category, free"),
        "stacking": (True, "same category, fair is accepted"),
        "hag": (True, "sibling category, chairs by name"),
        "officechairs": (True, "sibling category, English chairs"),
        "chairs_wrongcat": (True, "same category"),
        "chair_parts": (False, "spare parts, listed as office chairs"),
        "armrests": (False, "armrests, listed as office chairs"),
        "wheels": (False, "wheels, listed as office chairs"),
        "hag_parts": (False, "seats and backs, listed as office chairs"),
        "chair_covers": (False, "covers, listed as office chairs"),
        "barstools": (False, "not free"),
        "armchairs": (False, "armchairs for a canteen, and not free"),
        "chairs_two": (False, "too few"),
    },
    "desks_en": {
        "desk_birch": (True, "English request, Norwegian listing"),
        "sitstand": (True, "related sibling: a height-adjustable desk"),
        "pulter": (True, "alias: pult"),
        "desk_holmsbu": (False, "too far: 31 km of 25"),
        "meeting": (False, "meeting tables are not desks"),
        "desk_broken": (False, "worse condition"),
        "table_tofte": (False, "too far, and a table"),
        "desk_legs": (False, "legs for desks, not desks"),
    },
    "doors": {
        "doors_white": (True, "same category"),
        "oak_door": (True, "same category, under the maximum"),
        "doors_en": (True, "English listing"),
        "doors_dear": (False, "too expensive"),
        "windows": (False, "unrelated category"),
        "doors_tofte": (False, "too far: 25 km of 20"),
    },
    "bricks": {
        "murstein": (True, "synonym only: murstein"),
        "tegl_old": (True, "same category"),
        "tegl_few": (False, "too few: 150 of at least 200"),
        "roof": (False, "roof tiles are not bricks"),
    },
    "lamps_en": {
        "floorlamps": (True, "English request, gulvlamper"),
        "ceilinglamps": (True, "English request, taklamper"),
        "fittings": (False, "light fittings, another category"),
    },
    "laptops_en": {
        "laptops": (True, "synonym: bærbar PC"),
        "laptops_few": (False, "too few: 3 of at least 5"),
        "monitors": (False, "sibling without shared words"),
        "desktops": (False, "sibling without shared words"),
        "laptop_bags": (False, "bags for laptops"),
        "chargers": (False, "chargers for laptops"),
        "monitors_nb": (False, "monitors for laptops"),
    },
    "shelves": {
        "racks": (True, "synonym: reol"),
        "bookcases": (True, "synonym: bokhylle"),
        "cabinets": (False, "cabinets are another category"),
        "shelves_holmsbu": (False, "too far: 22 km of 15"),
        "brackets": (False, "shelf brackets, not shelves"),
    },
    "sofas": {
        "sofa3": (True, "same category, like new"),
        "couch": (True, "English synonym: couch"),
        "sofa_worn": (False, "worse condition"),
        "armchairs": (False, "armchairs, not sofas"),
        "sofa_tofte": (False, "too far"),
    },
    "insulation": {
        "stonewool": (True, "same category, enough m²"),
        "insulationboards": (True, "same category"),
        "glasswool": (False, "too few: 10 of at least 20 m²"),
    },
    "whiteboards": {
        "whiteboards": (True, "synonym: tavle"),
        "whiteboard": (True, "same words"),
        "whiteboard_own": (False, "the requester's own listing"),
    },
    "community": {
        "sofa_tofte": (True, "furniture, parent category"),
        "table_tofte": (True, "furniture, parent category"),
        "chairs_filtvet": (True, "furniture, 3.5 km"),
        "chairs_tofte": (True, "furniture, free"),
        "desk_holmsbu": (True, "furniture, 6.5 km"),
        "shelves_holmsbu": (True, "furniture, 6.5 km"),
        "doors_tofte": (False, "doors are construction products"),
        "dining": (False, "too far: 33 km of 8"),
    },
    "bikes_en": {
        "bikes": (True, "English request, sykler"),
        "kidsbike": (True, "English request, barnesykkel"),
        "helmets": (False, "sports, another category"),
    },
    "coffee": {
        "moccamaster": (True, "same category"),
        "washer": (False, "a washing machine"),
    },
    "pallets": {
        "eurpallets": (True, "English listing: pallets"),
        "pallets_few": (False, "too few: 5 of at least 10"),
    },
    "chairs_shop": {
        "hag": (True, "office chairs, 30"),
        "kinnarps": (True, "office chairs, 10, no maximum price"),
        "officechairs": (True, "English listing"),
        "chairs_design": (True, "new designer chairs, no maximum price"),
        "chairs_wrongcat": (True, "office chairs with armrests, listed as chairs"),
        "chairs_tofte": (False, "too far: 33 km of 15"),
        "chairs_parts": (False, "worse condition: for parts"),
        "chairs_two": (False, "too few"),
        "furniture_chairs": (False, "too few: 8 of at least 10"),
        "chair_parts": (False, "wheels and gas springs, not chairs"),
        "armrests": (False, "armrests, not chairs"),
        "wheels": (False, "wheels, not chairs"),
        "hag_parts": (False, "seats and backs, not chairs"),
        "chair_covers": (False, "covers, not chairs"),
    },
    "wheels_wanted": {
        "wheels": (True, "the parts asked for"),
        "chair_parts": (True, "wheels and gas springs"),
        "hag": (False, "whole chairs, not wheels"),
        "officechairs": (False, "whole chairs"),
        "armrests": (False, "armrests, not wheels"),
        "hag_parts": (False, "seats and backs, not wheels"),
        "chair_covers": (False, "covers, not wheels"),
        "chairs_parts": (False, "whole chairs sold for parts"),
    },
    "laptops_nb": {
        "laptops": (True, "the same words"),
        "laptops_few": (False, "too few"),
        "monitors": (False, "monitors are not laptops"),
        "monitors_nb": (False, "monitors for laptops"),
        "desktops": (False, "desktop computers are not laptops"),
        "laptop_bags": (False, "bags for laptops"),
        "chargers": (False, "chargers for laptops"),
    },
    "tiles_en": {
        "floortiles": (True, "Norwegian listing: fliser"),
        "walltiles": (True, "the same words"),
        "ceilingtiles": (False, "ceiling tiles are not tiles"),
        "roof": (False, "roof tiles are not tiles"),
    },
    "desks_nb": {
        "desk_birch": (True, "the same word"),
        "pulter": (True, "pulter are desks"),
        "sitstand": (True, "a height-adjustable desk"),
        "desk_legs": (False, "legs for desks"),
        "meeting": (False, "meeting tables are not desks"),
        "desk_broken": (False, "for parts"),
    },
}

#: Listings that are parts or accessories of the thing their category names.
PARTS = frozenset(("chair_parts", "armrests", "wheels", "hag_parts", "chair_covers",
                   "desk_legs", "brackets", "laptop_bags", "chargers"))
#: Requests that ask for parts themselves.
PARTS_REQUESTS = frozenset(("wheels_wanted",))
