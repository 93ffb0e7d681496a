"""A project's reuse in figures: mapped, suitable, published, reserved and handed over,
in pieces and kilograms, by building part (NS 3451, two digits) and by EU category.

The running project report, the § 9-7 report's summary, the municipality's list and the
API all read these, so a number means the same everywhere:
- *mapped*: every component; *reusable*: suitable now or after work, without hazards;
- *published*: reusable components that became listings;
- *reserved*: what accepted (or paid) reservations on those listings hold now;
- *handed over*: the ledger's records tagged with the project, reversals netted out.
Kilograms are quantity x unit weight; a component without a unit weight counts in
``unweighed`` and in pieces, never as 0 kg silently. Pieces count only ``pcs``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from app.db import db
from app.exchange.models import HOLDING_STATUSES, Reservation, ReuseRecord
from app.listings.models import Category, Listing, Unit
from app.projects import ns3451
from app.projects.models import REUSABLE, Component

STAGES = ("mapped", "reusable", "published", "reserved", "handed_over")
ZERO = Decimal("0")
NO_CATEGORY = "none"


@dataclass
class Figures:
    components: int = 0
    pieces: Decimal = ZERO
    kg: Decimal = ZERO
    #: Components (or records) counted without a weight.
    unweighed: int = 0

    def add(self, quantity: Decimal, unit: str, kg: Decimal | None, count: int = 1) -> None:
        self.components += count
        if unit == Unit.PCS:
            self.pieces += quantity
        if kg is None:
            self.unweighed += count
        else:
            self.kg += kg

    def as_json(self) -> dict:
        return {"components": self.components, "pieces": float(self.pieces),
                "kg": float(self.kg.quantize(Decimal("0.001"))), "unweighed": self.unweighed}


def _stages() -> dict[str, Figures]:
    return {stage: Figures() for stage in STAGES}


@dataclass
class Progress:
    totals: dict[str, Figures] = field(default_factory=_stages)
    #: two-digit NS 3451 code -> stage -> figures
    by_part: dict[str, dict[str, Figures]] = field(default_factory=lambda: defaultdict(_stages))
    #: EU category (``none`` for components without a marketplace category) -> ...
    by_eu: dict[str, dict[str, Figures]] = field(default_factory=lambda: defaultdict(_stages))

    def add(self, stage: str, part: str, eu: str, quantity, unit, kg, count=1) -> None:
        for bucket in (self.totals, self.by_part[part], self.by_eu[eu]):
            bucket[stage].add(quantity, unit, kg, count)

    @property
    def achieved_percent(self) -> Decimal | None:
        """Handed-over kilograms as a share of mapped kilograms (None without a weight)."""
        mapped = self.totals["mapped"].kg
        if not mapped:
            return None
        return (self.totals["handed_over"].kg * 100 / mapped).quantize(Decimal("0.1"))

    def parts(self, locale: str = "nb") -> list[tuple[str, str, dict[str, Figures]]]:
        """(code, name, stages) by building part, in code order."""
        return [(code, ns3451.name(code, locale), self.by_part[code])
                for code in sorted(self.by_part)]

    def as_json(self) -> dict:
        def stages(bucket):
            return {stage: bucket[stage].as_json() for stage in STAGES}

        return {
            "totals": stages(self.totals),
            "achieved_percent": (None if self.achieved_percent is None
                                 else float(self.achieved_percent)),
            "by_building_part": [{"code": code, "name": name, **stages(bucket)}
                                 for code, name, bucket in self.parts()],
            "by_eu_category": [{"eu_category": eu, **stages(self.by_eu[eu])}
                               for eu in sorted(self.by_eu)],
        }


def _kg(quantity: Decimal, unit_weight: Decimal | None) -> Decimal | None:
    return None if unit_weight is None else quantity * unit_weight


def progress_for(project_ids: Iterable[int]) -> dict[int, Progress]:
    """Figures for each project, in four queries whatever the number of projects."""
    ids = sorted(set(project_ids))
    result = {pid: Progress() for pid in ids}
    if not ids:
        return result
    rows = db.session.execute(
        sa.select(Component.project_id, Component.building_part,
                  Component.quantity, Component.unit, Component.unit_weight_kg,
                  Component.suitability, Component.hazards, Component.listing_id,
                  Category.eu_category)
        .outerjoin(Category, Category.id == Component.category_id)
        .where(Component.project_id.in_(ids)))
    part_of_listing: dict[int, tuple[int, str, str]] = {}
    for (pid, part, quantity, unit, weight, suitability, hazards, listing_id,
         eu) in rows:
        progress, group, eu = result[pid], ns3451.group(part), eu or NO_CATEGORY
        kg = _kg(quantity, weight)
        progress.add("mapped", group, eu, quantity, unit, kg)
        if suitability in REUSABLE and not hazards:
            progress.add("reusable", group, eu, quantity, unit, kg)
            if listing_id is not None:
                progress.add("published", group, eu, quantity, unit, kg)
        if listing_id is not None:
            part_of_listing[listing_id] = (pid, group, eu)
    if part_of_listing:
        held = db.session.execute(
            sa.select(Reservation.listing_id, Reservation.quantity, Reservation.unit,
                      Listing.unit_weight_kg)
            .join(Listing, Listing.id == Reservation.listing_id)
            .where(Reservation.listing_id.in_(list(part_of_listing)),
                   Reservation.status.in_([s.value for s in HOLDING_STATUSES])))
        for listing_id, quantity, unit, weight in held:
            pid, group, eu = part_of_listing[listing_id]
            result[pid].add("reserved", group, eu, quantity, unit, _kg(quantity, weight))
    records = db.session.execute(
        sa.select(ReuseRecord.project_id, ReuseRecord.listing_id, ReuseRecord.eu_category,
                  ReuseRecord.unit, sa.func.sum(ReuseRecord.quantity),
                  sa.func.sum(ReuseRecord.kg),
                  sa.func.sum(sa.case((ReuseRecord.kind == "reversal", -1), else_=1)))
        .where(ReuseRecord.project_id.in_(ids))
        .group_by(ReuseRecord.project_id, ReuseRecord.listing_id, ReuseRecord.eu_category,
                  ReuseRecord.unit))
    for pid, listing_id, eu, unit, quantity, kg, count in records:
        if not count:  # reversed and not corrected: nothing was handed over
            continue
        _pid, group, _eu = part_of_listing.get(listing_id, (pid, "", eu))
        result[pid].add("handed_over", group, eu, Decimal(quantity), unit, Decimal(kg),
                         int(count))
    return result


def progress(project_id: int) -> Progress:
    return progress_for([project_id])[project_id]
