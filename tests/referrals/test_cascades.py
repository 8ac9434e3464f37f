"""How withdrawals and admissions close the deadlines of related records."""

import datetime as dt
import zoneinfo

import pytest

from deadlines import rules
from deadlines.services import deadline_for
from discharge.services import (
    record_appointment,
    withdraw_appointment,
    withdraw_discharge,
)
from iop.choices import Role
from iop.errors import ServiceError
from referrals.services import (
    withdraw_admission,
    withdraw_evaluation,
    withdraw_referral,
)
from tests.factories import (
    StaffFactory,
    admit,
    discharge,
    make_admission,
    make_evaluation,
    make_referral,
)

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
MONDAY = dt.datetime(2026, 1, 12, 9, tzinfo=NEW_YORK)
NOW = dt.datetime(2026, 1, 20, 9, tzinfo=NEW_YORK)


def two_admit_evaluations(member, clinician):
    first = make_evaluation(
        make_referral(member, received_at=MONDAY, by=clinician),
        completed_at=MONDAY + dt.timedelta(hours=1),
        by=clinician,
    )
    second = make_evaluation(
        make_referral(
            member, received_at=MONDAY + dt.timedelta(minutes=5), by=clinician
        ),
        completed_at=MONDAY + dt.timedelta(hours=2),
        by=clinician,
    )
    return first, second


def test_evaluation_withdrawn_after_referral_cancels(member, clinician):
    referral = make_referral(member, received_at=MONDAY, by=clinician)
    evaluation = make_evaluation(
        referral,
        completed_at=MONDAY + dt.timedelta(hours=2),
        by=clinician,
        outcome="not_admitted",
    )
    withdraw_referral(referral, reason="Duplicate", by=clinician.user, as_of=NOW)

    withdraw_evaluation(evaluation, reason="Duplicate", by=clinician.user, as_of=NOW)

    deadline = deadline_for(rules.EVALUATION_DIVERSION, referral)
    assert deadline.met_at is None
    assert deadline.cancelled_at == NOW
    assert "withdrawn" in deadline.cancel_reason


def test_admission_cancels_other_admit_evaluations(member, clinician):
    first, second = two_admit_evaluations(member, clinician)

    make_admission(first, admitted_at=MONDAY + dt.timedelta(hours=3), by=clinician)

    other = deadline_for(rules.ADMISSION, second)
    assert other.cancelled_at is not None
    assert other.cancel_reason == f"Member admitted through evaluation #{first.pk}"


def test_discharge_before_team_due_cancels_team_deadline(member, clinician):
    admission = admit(member, at=MONDAY, by=clinician)

    discharge(admission, at=MONDAY + dt.timedelta(hours=5), by=clinician)

    team = deadline_for(rules.TEAM_ASSIGNMENT, admission)
    assert team.cancelled_at is not None
    assert team.cancel_reason == "Discharged before the care team was due"


def test_discharge_after_missed_team_keeps_it_overdue(member, clinician):
    admission = admit(member, at=MONDAY, by=clinician)

    discharge(admission, at=MONDAY + dt.timedelta(days=3), by=clinician)

    team = deadline_for(rules.TEAM_ASSIGNMENT, admission)
    assert team.is_open


def test_withdrawn_discharge_voids_met_aftercare(member, clinician):
    admission = admit(member, at=MONDAY, by=clinician)
    left = discharge(admission, at=MONDAY + dt.timedelta(days=5), by=clinician)
    record_appointment(
        left,
        kind="aftercare",
        scheduled_on=dt.date(2026, 1, 20),
        provider="Test Clinic",
        by=clinician.user,
        as_of=MONDAY + dt.timedelta(days=5),
    )

    withdraw_discharge(left, reason="Wrong member", by=clinician.user, as_of=NOW)

    aftercare = deadline_for(rules.AFTERCARE_APPOINTMENT, left)
    assert aftercare.met_at is None
    assert aftercare.cancelled_at == NOW


def test_appointment_withdrawn_after_discharge_stays_cancelled(member, clinician):
    admission = admit(member, at=MONDAY, by=clinician)
    left = discharge(admission, at=MONDAY + dt.timedelta(days=5), by=clinician)
    appointment = record_appointment(
        left,
        kind="aftercare",
        scheduled_on=dt.date(2026, 1, 20),
        provider="Test Clinic",
        by=clinician.user,
        as_of=MONDAY + dt.timedelta(days=5),
    )
    withdraw_discharge(left, reason="Wrong member", by=clinician.user, as_of=NOW)

    withdraw_appointment(appointment, reason="Wrong", by=clinician.user, as_of=NOW)

    assert not deadline_for(rules.AFTERCARE_APPOINTMENT, left).is_open


@pytest.mark.parametrize(
    "staff_kwargs",
    [{"is_active": False}, {"role": Role.QM}, {"role": Role.ADMINISTRATOR}],
    ids=["inactive", "qm", "administrator"],
)
def test_evaluator_must_be_active_clinical_staff(member, clinician, staff_kwargs):
    evaluator = StaffFactory(program=member.program, **staff_kwargs)
    referral = make_referral(member, received_at=MONDAY, by=clinician)

    with pytest.raises(ServiceError) as raised:
        make_evaluation(
            referral, completed_at=MONDAY + dt.timedelta(hours=1), by=evaluator
        )

    assert raised.value.field == "evaluated_by"
    assert raised.value.code == "not_program_clinician"


def test_withdrawn_admission_reopens_other_admission_deadline(member, clinician):
    first, second = two_admit_evaluations(member, clinician)
    admission = make_admission(
        first, admitted_at=MONDAY + dt.timedelta(hours=3), by=clinician
    )

    withdraw_admission(admission, reason="Wrong member", by=clinician.user, as_of=NOW)

    other = deadline_for(rules.ADMISSION, second)
    assert other.cancelled_at is None
    assert other.cancel_reason == ""
    assert other.is_open


def test_withdrawn_early_discharge_reopens_team_deadline(member, clinician):
    admission = admit(member, at=MONDAY, by=clinician)
    left = discharge(admission, at=MONDAY + dt.timedelta(hours=5), by=clinician)

    withdraw_discharge(left, reason="Did not leave", by=clinician.user, as_of=NOW)

    team = deadline_for(rules.TEAM_ASSIGNMENT, admission)
    assert team.is_open
    assert team.cancelled_by_id is None


def test_withdrawn_discharge_cancels_later_admission_deadline(member, clinician):
    admission = admit(member, at=MONDAY, by=clinician)
    discharge(admission, at=MONDAY + dt.timedelta(days=2), by=clinician)
    later = make_evaluation(
        make_referral(member, received_at=MONDAY + dt.timedelta(days=3), by=clinician),
        completed_at=MONDAY + dt.timedelta(days=3, hours=1),
        by=clinician,
    )

    withdraw_discharge(
        admission.discharges.get(),
        reason="Did not leave",
        by=clinician.user,
        as_of=NOW,
    )

    deadline = deadline_for(rules.ADMISSION, later)
    assert deadline.cancelled_at == NOW
    assert f"admission #{admission.pk} goes on" in deadline.cancel_reason


def test_cancelled_deadline_of_withdrawn_referral_stays_cancelled(member, clinician):
    first, second = two_admit_evaluations(member, clinician)
    admission = make_admission(
        first, admitted_at=MONDAY + dt.timedelta(hours=3), by=clinician
    )
    withdraw_referral(second.referral, reason="Duplicate", by=clinician.user, as_of=NOW)

    withdraw_admission(admission, reason="Wrong member", by=clinician.user, as_of=NOW)

    assert not deadline_for(rules.ADMISSION, second).is_open


def test_withdrawn_evaluation_restates_cancel_reason(member, clinician):
    first, second = two_admit_evaluations(member, clinician)
    admission = make_admission(
        first, admitted_at=MONDAY + dt.timedelta(hours=3), by=clinician
    )
    withdraw_evaluation(second, reason="Duplicate", by=clinician.user, as_of=NOW)

    withdraw_admission(admission, reason="Wrong member", by=clinician.user, as_of=NOW)

    deadline = deadline_for(rules.ADMISSION, second)
    assert not deadline.is_open
    assert deadline.cancel_reason == "Evaluation withdrawn: Duplicate"


def test_discharge_withdrawal_cancellation_undone_with_admission(member, clinician):
    admission = admit(member, at=MONDAY, by=clinician)
    left = discharge(admission, at=MONDAY + dt.timedelta(days=2), by=clinician)
    later = make_evaluation(
        make_referral(member, received_at=MONDAY + dt.timedelta(days=3), by=clinician),
        completed_at=MONDAY + dt.timedelta(days=3, hours=1),
        by=clinician,
    )
    withdraw_discharge(left, reason="Did not leave", by=clinician.user, as_of=NOW)

    withdraw_admission(admission, reason="Wrong member", by=clinician.user, as_of=NOW)

    assert deadline_for(rules.ADMISSION, later).is_open


def test_discharge_before_a_later_stay_cannot_be_withdrawn(member, clinician):
    first = admit(member, at=MONDAY, by=clinician)
    left = discharge(first, at=MONDAY + dt.timedelta(days=1), by=clinician)
    second = admit(member, at=MONDAY + dt.timedelta(days=3), by=clinician)
    discharge(second, at=MONDAY + dt.timedelta(days=4), by=clinician)

    with pytest.raises(ServiceError) as raised:
        withdraw_discharge(left, reason="Wrong", by=clinician.user, as_of=NOW)

    assert raised.value.code == "later_admission_exists"
    assert f"#{second.pk}" in raised.value.message
