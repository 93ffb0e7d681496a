"""The reuse ledger: record contents, append-only (service and SQL level, both databases),
reversal and correction with authorisation, emission factor lookup and versioning."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.db import commit, db, rollback
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.exchange import factors, handover, ledger
from app.exchange.models import EmissionFactor, ReuseRecord
from tests.exchange.conftest import T0

COLUMNS = [c.name for c in ReuseRecord.__table__.columns]


def _complete(accepted, listing, seller, buyer, quantity=2, weight=None, now=T0):
    reservation = accepted(listing, quantity)
    handover.confirm_handover(reservation, buyer.user, now=now)
    record = handover.confirm_handover(reservation, seller.user, weight, now=now)
    commit()
    return record


def _row(record_id):
    db.session.expire_all()
    record = db.session.get(ReuseRecord, record_id)
    return {name: getattr(record, name) for name in COLUMNS}


def test_a_completed_handover_writes_one_complete_record(make_listing, accepted, seller, buyer):
    listing = make_listing(quantity=5, price_nok=20, waste_origin=True)
    record = _complete(accepted, listing, seller, buyer, weight="31.5")
    assert record.kind == "handover" and record.completed_at == T0
    assert (record.giver_org_id, record.giver_orgnr, record.giver_kind) == (
        seller.org.id, seller.org.orgnr, "business")
    assert (record.receiver_org_id, record.receiver_orgnr, record.receiver_kind) == (
        buyer.org.id, buyer.org.orgnr, "reuse_shop")
    assert (record.municipality_number, record.district) == ("3203", "Heggedal")
    assert (record.category_slug, record.eu_category) == ("office-chair", "furniture")
    assert (record.quantity, record.unit) == (Decimal(2), "pcs")
    assert (record.kg, record.weight_method) == (Decimal("31.500"), "weighed")
    assert record.channel == "online_platform" and record.waste_origin is True
    assert (record.price_ore, record.payment_method) == (4000, "at_pickup")
    factor = db.session.get(EmissionFactor, record.factor_id)
    assert (factor.scope, factor.key, factor.version) == ("eu_category", "furniture", 1)
    assert record.factor_version == 1 and record.factor_value == Decimal("2.2500")
    assert record.co2e_kg == Decimal("70.875")  # 31.5 kg x 2.25
    assert record.factor_is_default is False
    assert db.session.scalar(sa.select(sa.func.count(ReuseRecord.id))) == 1


def test_a_gift_is_price_zero_without_payment_method(make_listing, accepted, seller, buyer):
    record = _complete(accepted, make_listing(), seller, buyer)
    assert (record.price_ore, record.payment_method) == (0, None)


def test_records_do_not_change_when_an_organisation_is_edited(make_listing, accepted, seller,
                                                              buyer):
    record = _complete(accepted, make_listing(), seller, buyer)
    before = _row(record.id)
    seller.org.orgnr, seller.org.kind = None, "nonprofit"
    buyer.org.municipality_number = "0301"
    commit()
    assert _row(record.id) == before


def test_pickup_outside_the_known_postcodes_uses_the_givers_municipality(
        make_listing, accepted, seller, buyer):
    seller.org.municipality_number = "3201"
    commit()
    listing = make_listing(postcode="0150", lat=59.91, lng=10.75)
    record = _complete(accepted, listing, seller, buyer)
    assert record.municipality_number == "3201" and record.district == ""


# --- append-only --------------------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    "UPDATE reuse_records SET kg = 1",
    "UPDATE reuse_records SET reason = 'changed'",
    "DELETE FROM reuse_records",
])
def test_the_database_refuses_update_and_delete(make_listing, accepted, seller, buyer,
                                                statement):
    record = _complete(accepted, make_listing(), seller, buyer)
    before = _row(record.id)
    with pytest.raises(sa.exc.IntegrityError, match="append-only"), db.session.begin_nested():
        db.session.execute(sa.text(statement))
    assert _row(record.id) == before


def test_the_orm_cannot_change_or_delete_a_record_either(make_listing, accepted, seller, buyer):
    record = _complete(accepted, make_listing(), seller, buyer)
    before = _row(record.id)
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        record.kg = Decimal(1)
        db.session.flush()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.delete(db.session.get(ReuseRecord, record.id))
        db.session.flush()
    assert _row(record.id) == before


def test_a_second_handover_record_for_a_reservation_is_refused(make_listing, accepted, seller,
                                                               buyer):
    record = _complete(accepted, make_listing(), seller, buyer)
    from app.exchange.models import Reservation

    reservation = db.session.get(Reservation, record.reservation_id)
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        ledger.record_handover(reservation)


# --- reversal and correction --------------------------------------------------------------


def test_reversal_negates_and_a_correction_follows(make_listing, accepted, seller, buyer):
    record = _complete(accepted, make_listing(price_nok=10), seller, buyer)  # 30 kg estimated
    original = _row(record.id)
    reversal, correction = ledger.reverse(record, seller.user, "Feil vekt; veid til 24 kg",
                                          corrected_kg="24", now=T0 + timedelta(days=40))
    commit()
    assert _row(record.id) == original  # the original is never touched
    assert reversal.kind == "reversal" and reversal.reverses_id == record.id
    assert (reversal.kg, reversal.quantity, reversal.co2e_kg, reversal.price_ore) == (
        -record.kg, -record.quantity, -record.co2e_kg, -record.price_ore)
    assert reversal.completed_at == record.completed_at  # counts in the original's period
    assert reversal.recorded_at == T0 + timedelta(days=40)
    assert reversal.recorded_by_id == seller.user.id and reversal.reason.startswith("Feil")
    assert correction.kind == "correction" and correction.replaces_id == record.id
    assert (correction.kg, correction.weight_method) == (Decimal("24.000"), "weighed")
    assert correction.co2e_kg == Decimal("54.000")  # the original factor: 24 x 2.25
    assert correction.factor_id == record.factor_id
    totals = db.session.execute(sa.select(sa.func.sum(ReuseRecord.kg),
                                          sa.func.sum(ReuseRecord.co2e_kg))).one()
    assert totals == (Decimal("24.000"), Decimal("54.000"))


def test_reversal_rules_and_authorisation(make, make_listing, accepted, seller, buyer,
                                          stranger):
    record = _complete(accepted, make_listing(), seller, buyer)
    member = make.user(seller.org, "member")
    municipal = make.user(make.org("municipality"), "admin")
    for user in (member, buyer.user, municipal):
        with pytest.raises(PermissionDenied):
            ledger.reverse(ledger.visible_record(record.id, user), user, "nei")
    with pytest.raises(NotFound):
        ledger.visible_record(record.id, stranger.user)
    for reason in ("", "   ", "x" * 1001):
        with pytest.raises(ValidationFailed):
            ledger.reverse(record, seller.user, reason)
    with pytest.raises(ValidationFailed):
        ledger.reverse(record, seller.user, "feil", corrected_kg="-3")
    admin = make.user(site_admin=True)
    reversal, correction = ledger.reverse(record, admin, "Registrert to ganger")
    commit()
    assert correction is None and reversal.recorded_by_id == admin.id
    with pytest.raises(Conflict) as info:
        ledger.reverse(record, seller.user, "igjen")
    assert info.value.extra["state"] == "reversed"
    with pytest.raises(Conflict):
        ledger.reverse(reversal, seller.user, "reverser reverseringen")
    rollback()


def test_a_correction_can_itself_be_reversed(make_listing, accepted, seller, buyer):
    record = _complete(accepted, make_listing(), seller, buyer)
    _reversal, correction = ledger.reverse(record, seller.user, "feil", corrected_kg=20)
    again, second = ledger.reverse(correction, seller.user, "fortsatt feil", corrected_kg=22)
    commit()
    assert again.reverses_id == correction.id and second.replaces_id == correction.id
    assert db.session.scalar(sa.select(sa.func.sum(ReuseRecord.kg))) == Decimal("22.000")


# --- emission factors ---------------------------------------------------------------------


@pytest.mark.parametrize("slug, waste, key, value, is_default", [
    ("sofa", False, "sofa", "1.45", False),
    ("sofa", True, "sofa", "1.05", False),
    ("office-chair", False, "furniture", "2.25", False),
    ("office-chair", True, "furniture", "2.25", False),
    ("workwear", False, "textiles", "4.0", False),
    ("steel", False, "steel", "2.375", False),
    ("bricks", False, "bricks", "0.2799", False),
    ("timber", False, "default", "0.51", True),
    ("door", False, "default", "0.51", True),
    ("laptop", False, "default", "0.51", True),
    ("bicycles", False, "default", "0.51", True),
])
def test_the_most_specific_factor_wins(categories, slug, waste, key, value, is_default):
    from app.listings.categories import category_lookup

    factor = factors.factor_for(category_lookup()[slug], T0, waste_origin=waste)
    assert factor.key == key and factor.is_default is is_default
    assert factor.kg_co2e_per_kg.quantize(Decimal("0.0001")) == Decimal(value)


def test_seeding_is_idempotent_and_happens_on_first_use(categories):
    assert db.session.scalar(sa.select(sa.func.count(EmissionFactor.id))) == 0
    from app.listings.categories import category_lookup

    factors.factor_for(category_lookup()["sofa"], T0)  # seeds on first use
    count = db.session.scalar(sa.select(sa.func.count(EmissionFactor.id)))
    assert count == len(factors.SEED)
    assert factors.ensure_emission_factors() == 0
    assert db.session.scalar(sa.select(sa.func.count(EmissionFactor.id))) == count


def test_a_new_version_applies_from_its_date_and_never_changes_old_records(
        make_listing, accepted, seller, buyer):
    listing = make_listing(quantity=10)
    old = _complete(accepted, listing, seller, buyer, now=T0)
    before = _row(old.id)
    factors.add_version("eu_category", "furniture", Decimal("2.0"), "gross",
                        "Restart Project, 2026 update", valid_from=date(2026, 6, 1),
                        taken_on=date(2026, 5, 20))
    commit()
    assert _row(old.id) == before
    still_v1 = _complete(accepted, listing, seller, buyer, now=T0 + timedelta(days=30))
    assert (still_v1.factor_version, still_v1.co2e_kg) == (1, Decimal("67.500"))
    new = _complete(accepted, listing, seller, buyer, now=T0 + timedelta(days=120))
    assert new.factor_version == 2 and new.co2e_kg == Decimal("60.000")
    assert _row(old.id) == before


def test_add_version_refuses_nonsense(categories):
    for value, kind, rate in ((Decimal(-1), "net", 1), (Decimal(1), "both", 1),
                              (Decimal(1), "net", Decimal("1.5"))):
        with pytest.raises(ValidationFailed):
            factors.add_version("default", "default", value, kind, "x", valid_from=date.today(),
                                taken_on=date.today(), substitution_rate=rate)
