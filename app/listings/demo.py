"""About 60 demo listings across Asker, each with a drawn picture (idempotent by title)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.accounts.models import Organization
from app.db import db, utcnow
from app.listings import photos, services
from app.listings.categories import ensure_categories
from app.listings.demo_pictures import draw
from app.listings.models import Listing

HB, NK, MS, OM, AK = ("Heggedal Bygg AS", "Nesbru Kontorfellesskap AS", "Miljøsofa Asker",
                      "Omigjen Ombrukssenter", "Asker kommune")

# org, title, category, condition, quantity, unit, unit weight (None: typical), price NOK,
# postcode, description, material, dimensions, days available, picture, waste origin
LISTINGS: tuple[tuple, ...] = (
    (NK, "Kontorstoler, svarte (Håg H05)", "office-chair", "good", 24, "pcs", None, 0, "1394",
     "Ergonomiske stoler fra kontorflytting. Alle fungerer.", "Stål, stoff", "", 60, "chair"),
    (NK, "Kontorstoler med nakkestøtte", "office-chair", "like_new", 8, "pcs", 17, 250, "1394",
     "Lite brukt, kjøpt 2022.", "Aluminium, nett", "", 45, "chair"),
    (NK, "Hev-senk-skrivebord 160 x 80", "height-adjustable-desk", "good", 16, "pcs", None, 400,
     "1394", "Elektriske, hvit plate. Ledninger følger med.", "Stål, laminat",
     "160 x 80 cm", 60, "desk"),
    (NK, "Skrivebord i bjørk", "desk", "fair", 10, "pcs", None, 0, "1394",
     "Noen riper i platen.", "Bjørkefinér", "140 x 70 cm", 30, "desk"),
    (NK, "PC-skjermer 24 tommer", "monitor", "good", 30, "pcs", None, 150, "1394",
     "Dell P2419H, med stativ. Testet.", "", "24\"", 45, "monitor"),
    (NK, "PC-skjermer 27 tommer", "monitor", "like_new", 12, "pcs", 6.2, 600, "1394",
     "USB-C, 1440p.", "", "27\"", 45, "monitor"),
    (NK, "Møtebord eik, 10 personer", "meeting-table", "good", 2, "pcs", 85, 0, "1394",
     "Massiv eik, delbar plate.", "Eik", "320 x 120 cm", 60, "desk"),
    (NK, "Bokhyller, hvite", "shelving", "good", 14, "pcs", None, 0, "1394",
     "IKEA Billy-type, demonteres før henting.", "Sponplate", "80 x 28 x 202 cm", 30,
     "shelf"),
    (NK, "Arkivskap med lås", "storage", "fair", 6, "pcs", None, 0, "1394",
     "Nøkler finnes til fire av seks.", "Stål", "", 30, "shelf"),
    (NK, "Skrivebordslamper LED", "lamp", "good", 20, "pcs", 1.5, 50, "1394",
     "Dimbare, varm hvit.", "Aluminium", "", 45, "lamp"),
    (NK, "Akustikkskjermer for skrivebord", "room-divider", "good", 18, "pcs", None, 0,
     "1394", "Grå filt, med klemmer.", "Polyesterfilt", "160 x 60 cm", 30, "panel"),
    (NK, "Whiteboardtavler", "whiteboards", "fair", 5, "pcs", None, 0, "1394",
     "Noe gjenskinn, ellers fine.", "Emaljert stål", "180 x 120 cm", 30, "panel"),
    (NK, "Kaffemaskin for kontor", "coffee-machine", "good", 1, "pcs", 25, 1500, "1394",
     "Bønnemaskin, service 2024.", "", "", 30, "monitor"),
    (NK, "Stasjonære PC-er, i5", "computer", "fair", 15, "pcs", None, 300, "1394",
     "Disker er slettet. Uten Windows-lisens.", "", "", 30, "monitor"),
    (HB, "Innerdører, hvite, 80 cm", "door", "good", 12, "pcs", None, 200, "1389",
     "Formpressede dører med karm og hengsler.", "Tre, MDF", "80 x 210 cm", 90, "door"),
    (HB, "Ytterdør i eik med glassfelt", "door", "fair", 1, "pcs", 48, 900, "1389",
     "Demontert ved rehabilitering, mangler lås.", "Eik, glass", "100 x 210 cm", 90,
     "door"),
    (HB, "Vinduer 3-lags, 100 x 120", "window", "like_new", 8, "pcs", 32, 1200, "1389",
     "Feilbestilling, aldri montert. U-verdi 0,8.", "Tre, aluminium", "100 x 120 cm",
     120, "window"),
    (HB, "Vinduer fra 1980-tallet", "window", "fair", 14, "pcs", None, 0, "1389",
     "2-lags, egnet for drivhus og hytte.", "Tre, glass", "", 60, "window"),
    (HB, "Teglstein, rød, rengjort", "bricks", "good", 2400, "pcs", 3.1, 2.5, "1389",
     "På paller à 400 stk. Rengjort for mørtel.", "Tegl", "228 x 108 x 62 mm", 120, "brick"),
    (HB, "Teglstein, gul, upusset", "bricks", "fair", 900, "pcs", None, 0, "3470",
     "Fra riving i Slemmestad. Må rengjøres.", "Tegl", "", 90, "brick"),
    (HB, "Stålbjelker HEB 200", "steel", "good", 1850, "kg", None, 12, "1389",
     "6 bjelker à 5 m. Sandblåst.", "Stål S355", "HEB 200, 5 m", 120, "beam"),
    (HB, "Stålbjelker IPE 160", "steel", "fair", 640, "kg", None, 8, "3440",
     "Overflaterust.", "Stål S235", "IPE 160, 4 m", 90, "beam"),
    (HB, "Gulvfliser, grå, 60 x 60", "tiles", "new", 46, "m2", None, 150, "1389",
     "Overskudd fra prosjekt, uåpnede esker.", "Porselen", "60 x 60 cm", 120, "tiles"),
    (HB, "Veggfliser, hvite, blanke", "tiles", "new", 18, "m2", 14, 80, "1389",
     "15 esker.", "Keramikk", "20 x 40 cm", 120, "tiles"),
    (HB, "Konstruksjonsvirke 48 x 198", "timber", "new", 320, "m", 4.5, 25, "1389",
     "Kappet i 4,8 m lengder. Tørt under tak.", "Gran C24", "48 x 198 mm", 60, "timber"),
    (HB, "Terrassebord, brukt", "timber", "fair", 150, "m", 1.6, 0, "3430",
     "Trykkimpregnert, noe skjolder.", "Furu", "28 x 120 mm", 45, "timber"),
    (HB, "Steinull isolasjon 100 mm", "insulation", "new", 60, "m2", None, 40, "1389",
     "Åpnet pakke, tørr.", "Steinull", "100 mm", 90, "box"),
    (HB, "Gipsplater 12,5 mm", "boards", "new", 85, "m2", None, 35, "1389",
     "Standard gipsplater, 120 x 240.", "Gips", "120 x 240 cm", 90, "panel"),
    (HB, "Kjøkkenskap, hvit front", "kitchen-units", "good", 11, "pcs", None, 300, "1389",
     "Demontert kjøkken fra visningsleilighet.", "Sponplate", "", 60, "shelf"),
    (HB, "Toaletter, vegghengte", "sanitary-ware", "like_new", 6, "pcs", 22, 500, "3475",
     "Med sete, uten sisterne.", "Porselen", "", 90, "box"),
    (HB, "Radiatorer, vannbårne", "radiator", "fair", 9, "pcs", None, 0, "3481",
     "Fra skolerehabilitering i Tofte.", "Stål", "60 x 100 cm", 60, "panel"),
    (HB, "Belegningsstein, grå", "paving-stones", "good", 40, "m2", None, 60, "3474",
     "Tatt opp forsiktig, på paller.", "Betong", "21 x 14 x 6 cm", 90, "tiles"),
    (HB, "Takstein, betong", "roof-tiles", "fair", 600, "pcs", None, 0, "3484",
     "Fra omlegging av tak i Holmsbu.", "Betong", "", 90, "tiles"),
    (HB, "Parkett eik, 3-stav", "flooring", "good", 35, "m2", None, 120, "1390",
     "Lakkert, kan slipes.", "Eik", "", 60, "tiles"),
    (HB, "Himlingsplater 60 x 60", "ceiling-tiles", "good", 120, "m2", None, 0, "1394",
     "Fra kontorombygging på Nesbru.", "Mineralull", "60 x 60 cm", 45, "tiles"),
    (MS, "Sofa, 3-seter, grå", "sofa", "good", 1, "pcs", None, 1200, "1384",
     "Rens utført. Røykfritt hjem.", "Stoff, tre", "210 cm", 30, "sofa"),
    (MS, "Sofa, 2-seter skinn", "sofa", "fair", 1, "pcs", 38, 600, "1384",
     "Slitasje på armlenene.", "Skinn", "160 cm", 30, "sofa"),
    (MS, "Hjørnesofa, blå", "sofa", "good", 1, "pcs", 75, 2500, "1384",
     "Modulsofa, kan deles.", "Stoff", "280 x 200 cm", 30, "sofa"),
    (MS, "Lenestoler, retro", "armchair", "fair", 2, "pcs", None, 400, "1384",
     "Trenger nytt trekk.", "Teak, ull", "", 30, "chair"),
    (MS, "Spisestoler i bøk", "chair", "good", 6, "pcs", None, 100, "1384",
     "Stablebare.", "Bøk", "", 45, "chair"),
    (MS, "Spisebord med ileggsplate", "table", "good", 1, "pcs", 40, 800, "1384",
     "Plass til 8 med plate.", "Eik", "180 x 90 cm", 45, "desk"),
    (MS, "Gulvlamper, messing", "lamp", "like_new", 3, "pcs", 4, 350, "1384",
     "E27-sokkel.", "Messing", "", 30, "lamp"),
    (MS, "Gardiner, lin, hvite", "curtains", "good", 8, "pcs", 1.2, 0, "1384",
     "Vasket. 140 x 250 cm.", "Lin", "140 x 250 cm", 30, "panel"),
    (OM, "Sykler, diverse", "bicycles", "fair", 7, "pcs", None, 200, "3470",
     "Hentet på gjenvinningsstasjonen, overhalt av oss.", "", "", 45, "box", True),
    (OM, "Kjøleskap, helintegrert", "refrigerator", "good", 2, "pcs", None, 800, "3470",
     "Testet og rengjort.", "", "178 cm", 30, "box", True),
    (OM, "Vaskemaskin 7 kg", "washing-machine", "fair", 1, "pcs", None, 500, "3470",
     "Fra gjenvinningsstasjon, reparert pumpe.", "", "", 30, "box", True),
    (OM, "Mikrobølgeovner", "microwave", "good", 4, "pcs", None, 100, "3470",
     "Testet.", "", "", 30, "monitor", True),
    (OM, "Arbeidsklær, refleks", "workwear", "good", 25, "pcs", 0.8, 0, "3470",
     "Bukser og jakker, blandede størrelser.", "Polyester", "", 60, "box"),
    (OM, "Paller, EUR", "pallets", "fair", 40, "pcs", None, 30, "3470",
     "Godkjente EUR-paller.", "Tre", "120 x 80 cm", 60, "timber"),
    (OM, "Tepper, ull", "rugs", "good", 5, "pcs", None, 250, "3470",
     "Rensede ullteper.", "Ull", "200 x 300 cm", 45, "tiles", True),
    (OM, "Elektroverktøy, blandet", "power-tools", "fair", 12, "pcs", None, 150, "3442",
     "Drill, sag, slipemaskin. Testet.", "", "", 45, "box", True),
    (OM, "Stoff, metervare", "fabric", "new", 80, "m", None, 20, "3470",
     "Restlager fra tapetserer.", "Bomull", "140 cm bredde", 60, "panel"),
    (AK, "Elevpulter fra Borgen skole", "desk", "fair", 40, "pcs", 18, 0, "1388",
     "Høydejusterbare pulter.", "Stål, laminat", "70 x 50 cm", 60, "desk"),
    (AK, "Elevstoler", "chair", "fair", 60, "pcs", 5, 0, "1388",
     "Stablestoler i bøk.", "Bøk, stål", "", 60, "chair"),
    (AK, "Lysrørarmaturer", "light-fitting", "good", 45, "pcs", None, 0, "1383",
     "Fra Asker rådhus, byttet til LED.", "Stål", "120 cm", 45, "lamp"),
    (AK, "Prosjektorer", "tv-av", "fair", 10, "pcs", 3, 0, "1383",
     "Lampetimer under 2000.", "", "", 45, "monitor"),
    (AK, "Bærbare PC-er, elevmaskiner", "laptop", "fair", 25, "pcs", None, 0, "1395",
     "Slettet. Lader følger med.", "", "", 45, "monitor"),
    (AK, "Garderobeskap, stål", "storage", "fair", 20, "pcs", 45, 0, "3440",
     "Fra Røyken ungdomsskole.", "Stål", "30 x 50 x 180 cm", 60, "door"),
    (AK, "Hagebenker", "outdoor-furniture", "fair", 6, "pcs", 30, 0, "1390",
     "Benker fra Vollen park.", "Tre, støpejern", "150 cm", 60, "desk"),
    (AK, "Oppvaskmaskiner, storkjøkken", "dishwasher", "good", 2, "pcs", 60, 0, "3480",
     "Fra Filtvet omsorgssenter.", "", "", 45, "box"),
)
DRAFTS = {"Kaffemaskin for kontor", "Terrassebord, brukt"}


def load_demo_listings() -> int:
    """Add the demo listings that are missing (by organisation and title); flushes."""
    ensure_categories()
    orgs = {o.name: o for o in db.session.scalars(sa.select(Organization))}
    existing = set(db.session.execute(sa.select(Listing.organization_id, Listing.title)))
    added = 0
    now = utcnow()
    for row in LISTINGS:
        (org_name, title, category, condition, quantity, unit, weight, price, postcode,
         description, material, dimensions, days, picture, *rest) = row
        org = orgs.get(org_name)
        if org is None or (org.id, title) in existing:
            continue
        user = org.memberships[0].user if org.memberships else None
        data = {
            "title": title, "description": description, "category": category,
            "condition": condition, "quantity": quantity, "unit": unit,
            "unit_weight_kg": weight, "price_nok": Decimal(str(price)), "postcode": postcode,
            "address": org.address if org.postcode == postcode else "", "material": material,
            "dimensions": dimensions, "available_until": now + timedelta(days=days),
            "waste_origin": bool(rest and rest[0]),
            "pickup_instructions": "Hverdager 08-15. Ta med eget transportmiddel.",
        }
        listing = services.create_listing(user, org, data, publish=title not in DRAFTS)
        photos.add_image(listing, io.BytesIO(draw(picture, title, len(existing) + added)),
                         "demo.jpg", "image/jpeg")
        added += 1
    db.session.flush()
    return added
