"""Bounds on clinical times and dates that catch a mistyped year."""

import datetime as dt

import pytest

from discharge.services import record_appointment
from iop.errors import ServiceError
from iop.services import register_member
from referrals.services import record_referral
from tests.factories import admit, discharge

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def refer(member, clinician, received_at):
    return record_referral(
        member,
        source="self",
        kind="diversion",
        plan_product="hmo",
        received_at=received_at,
        by=clinician.user,
        as_of=NOW,
    )


@pytest.mark.parametrize(
    "received_at",
    [
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5))),
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
    ],
    ids=["year-1-utc", "year-1-plus-5", "1970"],
)
def test_time_years_back_is_rejected(member, clinician, received_at):
    with pytest.raises(ServiceError) as raised:
        refer(member, clinician, received_at)

    assert raised.value.field == "received_at"
    assert raised.value.code == "too_far_in_past"
    assert "check the year" in raised.value.message


def test_time_a_year_back_is_accepted(member, clinician):
    referral = refer(member, clinician, NOW - dt.timedelta(days=365))

    assert referral.pk is not None


def test_birth_date_over_120_years_ago_is_rejected(program, clinician):
    with pytest.raises(ServiceError) as raised:
        register_member(
            program,
            first_name="Testy",
            last_name="Oldperson",
            date_of_birth=dt.date(1800, 1, 1),
            plan_member_id="TEST-OLD",
            by=clinician.user,
            as_of=NOW,
        )

    assert raised.value.field == "date_of_birth"
    assert raised.value.code == "too_far_in_past"


def test_appointment_years_after_discharge_is_rejected(member, clinician):
    admission = admit(member, at=NOW - dt.timedelta(days=10), by=clinician)
    left = discharge(admission, at=NOW - dt.timedelta(days=1), by=clinician)

    with pytest.raises(ServiceError) as raised:
        record_appointment(
            left,
            kind="aftercare",
            scheduled_on=dt.date(9999, 12, 31),
            provider="Test Clinic",
            by=clinician.user,
            as_of=NOW,
        )

    assert raised.value.field == "scheduled_on"
    assert raised.value.code == "too_far_after_discharge"


def test_plan_id_differing_only_in_case_is_duplicate(program, clinician):
    details = dict(
        first_name="Testy",
        last_name="Fakeperson",
        date_of_birth=dt.date(1990, 1, 1),
        by=clinician.user,
        as_of=NOW,
    )
    register_member(program, plan_member_id="TEST-ABC", **details)

    with pytest.raises(ServiceError) as raised:
        register_member(program, plan_member_id="test-abc", **details)

    assert raised.value.field == "plan_member_id"
    assert raised.value.code == "duplicate"
