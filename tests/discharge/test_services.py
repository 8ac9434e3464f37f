"""Discharge and appointment services, and the two aftercare deadlines.

Both deadlines are due at the end of the discharge day. Each is met when an
appointment dated within its window (7 days for aftercare, 14 for medication
monitoring, from the discharge date) is recorded.
"""

import datetime as dt
import zoneinfo

import pytest

from deadlines import rules
from deadlines.models import Deadline, State
from deadlines.selectors import with_state
from deadlines.services import deadline_for
from discharge.models import Appointment
from discharge.services import (
    discharge_member,
    record_appointment,
    withdraw_appointment,
    withdraw_discharge,
)
from iop.errors import ServiceError
from referrals.models import Admission
from referrals.services import withdraw_admission
from tests import factories
from tests.factories import MemberFactory, ProgramFactory, StaffFactory, admit
from tests.snapshots import rejection
from treatment.services import assign_team_member, end_team_assignment

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")

ADMITTED_AT = dt.datetime(2026, 1, 5, 10, tzinfo=NEW_YORK)
DISCHARGED_AT = dt.datetime(2026, 1, 12, 10, tzinfo=NEW_YORK)
DISCHARGE_DATE = dt.date(2026, 1, 12)
NOW = dt.datetime(2026, 1, 12, 15, tzinfo=NEW_YORK)
END_OF_DISCHARGE_DAY = dt.datetime(2026, 1, 12, 23, 59, 59, 999999, tzinfo=NEW_YORK)


def state_of(deadline, as_of):
    return with_state(Deadline.objects.filter(pk=deadline.pk), as_of).get().state


@pytest.fixture
def admission(member, clinician):
    return admit(member, at=ADMITTED_AT, by=clinician)


def leave(admission, clinician, **changes):
    arguments = {
        "discharged_at": DISCHARGED_AT,
        "disposition": "planned",
        "on_medications": True,
        "by": clinician.user,
        "as_of": NOW,
        **changes,
    }
    return discharge_member(admission, **arguments)


@pytest.fixture
def discharge(admission, clinician):
    """A planned discharge of a member on medications."""
    return leave(admission, clinician)


def book(discharge, clinician, days_after=3, *, kind="aftercare", as_of=NOW, **changes):
    arguments = {
        "kind": kind,
        "scheduled_on": DISCHARGE_DATE + dt.timedelta(days=days_after),
        "provider": "Example Community Clinic",
        "by": clinician.user,
        "as_of": as_of,
        **changes,
    }
    return record_appointment(discharge, **arguments)


def discharge_deadlines(discharge):
    """Return the discharge's appointment deadlines, keyed by rule."""
    deadlines = {}
    for rule_key in (rules.AFTERCARE_APPOINTMENT, rules.MEDICATION_MONITORING):
        deadline = deadline_for(rule_key, discharge)
        if deadline is not None:
            deadlines[rule_key] = deadline
    return deadlines


# Discharge: deadlines


def test_discharge_on_medications_opens_both_deadlines(discharge):
    deadlines = discharge_deadlines(discharge)

    assert set(deadlines) == {rules.AFTERCARE_APPOINTMENT, rules.MEDICATION_MONITORING}
    for deadline in deadlines.values():
        assert deadline.started_at == DISCHARGED_AT
        assert deadline.due_at == END_OF_DISCHARGE_DAY
        assert deadline.cancelled_at is None


def test_discharge_without_medications_opens_aftercare_only(admission, clinician):
    left = leave(admission, clinician, on_medications=False)

    assert set(discharge_deadlines(left)) == {rules.AFTERCARE_APPOINTMENT}


@pytest.mark.parametrize(
    ("disposition", "reason"),
    [
        ("death", "Discharge disposition: death"),
        (
            "higher_level_of_care",
            "Discharge disposition: transfer to a higher level of care",
        ),
    ],
)
def test_discharge_without_aftercare_cancels_deadlines(
    disposition, reason, admission, clinician
):
    left = leave(admission, clinician, disposition=disposition)

    deadlines = discharge_deadlines(left)
    assert set(deadlines) == {rules.AFTERCARE_APPOINTMENT, rules.MEDICATION_MONITORING}
    for deadline in deadlines.values():
        assert deadline.cancelled_at == left.discharged_at
        assert deadline.cancel_reason == reason
        assert state_of(deadline, NOW) == State.CANCELLED


@pytest.mark.parametrize("disposition", ["against_advice", "non_attendance", "other"])
def test_other_dispositions_keep_aftercare_deadlines(disposition, admission, clinician):
    left = leave(admission, clinician, disposition=disposition)

    for deadline in discharge_deadlines(left).values():
        assert deadline.cancelled_at is None


def test_discharge_closes_the_admission(discharge, admission):
    admission.refresh_from_db()

    assert admission.closed_at == DISCHARGED_AT


def test_withdrawn_discharge_reopens_stay_and_cancels_deadlines(discharge, clinician):
    withdraw_discharge(
        discharge, reason="Entered on the wrong member", by=clinician.user, as_of=NOW
    )

    admission = Admission.objects.get(pk=discharge.admission_id)
    assert admission.closed_at is None
    for deadline in discharge_deadlines(discharge).values():
        assert (
            deadline.cancel_reason == "Discharge withdrawn: Entered on the wrong member"
        )


# Discharge: invalid input


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        (
            {"discharged_at": ADMITTED_AT - dt.timedelta(minutes=1)},
            "discharged_at",
            "before_admission",
        ),
        (
            {"discharged_at": NOW + dt.timedelta(minutes=2)},
            "discharged_at",
            "in_future",
        ),
        ({"discharged_at": None}, "discharged_at", "required"),
        ({"disposition": "vanished"}, "disposition", "invalid_choice"),
        ({"on_medications": None}, "on_medications", "required"),
    ],
    ids=["before-admission", "future", "missing-time", "disposition", "medications"],
)
def test_invalid_discharge_is_rejected(changes, field, code, admission, clinician):
    error, unchanged = rejection(lambda: leave(admission, clinician, **changes))

    assert error.field == field
    assert error.code == code
    assert unchanged


def test_discharge_without_admission_is_rejected(clinician):
    error, unchanged = rejection(lambda: leave(None, clinician))

    assert error.field == "admission"
    assert error.code == "required"
    assert unchanged


def test_second_discharge_is_rejected(admission, clinician):
    # `admission` is the caller's copy, loaded before the first discharge.
    leave(admission, clinician)

    error, unchanged = rejection(lambda: leave(admission, clinician))

    assert error.field == "admission"
    assert error.code == "already_discharged"
    assert unchanged


def test_discharge_of_withdrawn_admission_is_rejected(admission, clinician):
    withdraw_admission(admission, reason="Wrong member", by=clinician.user, as_of=NOW)

    error, unchanged = rejection(lambda: leave(admission, clinician))

    assert error.field == "admission"
    assert error.code == "withdrawn"
    assert unchanged


# Appointments: meeting the deadlines


def test_aftercare_appointment_meets_deadline_when_recorded(discharge, clinician):
    appointment = book(discharge, clinician, days_after=7)

    deadline = discharge_deadlines(discharge)[rules.AFTERCARE_APPOINTMENT]
    assert deadline.met_at == NOW
    assert deadline.met_by == appointment
    assert state_of(deadline, NOW) == State.MET


def test_appointment_after_window_does_not_meet(discharge, clinician):
    book(discharge, clinician, days_after=8)

    deadline = discharge_deadlines(discharge)[rules.AFTERCARE_APPOINTMENT]
    assert deadline.met_at is None
    assert Appointment.objects.filter(discharge=discharge).count() == 1


def test_medication_appointment_after_14_days_does_not_meet(discharge, clinician):
    book(discharge, clinician, days_after=15, kind="medication_monitoring")

    deadline = discharge_deadlines(discharge)[rules.MEDICATION_MONITORING]
    assert deadline.met_at is None


def test_medication_appointment_within_14_days_meets(discharge, clinician):
    appointment = book(
        discharge, clinician, days_after=14, kind="medication_monitoring"
    )

    deadline = discharge_deadlines(discharge)[rules.MEDICATION_MONITORING]
    assert deadline.met_by == appointment


def test_aftercare_appointment_does_not_meet_medication_rule(discharge, clinician):
    book(discharge, clinician, days_after=2)

    deadline = discharge_deadlines(discharge)[rules.MEDICATION_MONITORING]
    assert deadline.met_at is None


def test_appointment_in_window_after_late_one_meets(discharge, clinician):
    book(discharge, clinician, days_after=9)
    in_window = book(
        discharge, clinician, days_after=6, as_of=NOW + dt.timedelta(hours=1)
    )

    deadline = discharge_deadlines(discharge)[rules.AFTERCARE_APPOINTMENT]
    assert deadline.met_by == in_window
    assert deadline.met_at == NOW + dt.timedelta(hours=1)


def test_appointment_recorded_after_discharge_day_is_late(discharge, clinician):
    next_morning = dt.datetime(2026, 1, 13, 9, tzinfo=NEW_YORK)

    book(discharge, clinician, days_after=4, as_of=next_morning)

    deadline = discharge_deadlines(discharge)[rules.AFTERCARE_APPOINTMENT]
    assert deadline.met_at == next_morning
    assert state_of(deadline, next_morning) == State.MET_LATE


def test_appointment_on_discharge_date_is_accepted(discharge, clinician):
    appointment = book(discharge, clinician, days_after=0)

    assert appointment.scheduled_on == DISCHARGE_DATE


def test_medication_appointment_without_deadline_is_kept(admission, clinician):
    left = leave(admission, clinician, on_medications=False)

    appointment = book(left, clinician, kind="medication_monitoring")

    assert appointment.pk is not None
    assert rules.MEDICATION_MONITORING not in discharge_deadlines(left)


def test_withdrawn_appointment_remeets_with_next_in_window(discharge, clinician):
    first = book(discharge, clinician, days_after=3)
    second = book(discharge, clinician, days_after=5, as_of=NOW + dt.timedelta(hours=1))

    withdraw_appointment(
        first,
        reason="Clinic cancelled",
        by=clinician.user,
        as_of=NOW + dt.timedelta(hours=2),
    )

    deadline = discharge_deadlines(discharge)[rules.AFTERCARE_APPOINTMENT]
    assert deadline.met_by == second
    assert deadline.met_at == NOW + dt.timedelta(hours=1)


def test_withdrawn_only_appointment_reopens_deadline(discharge, clinician):
    only = book(discharge, clinician, days_after=3)

    withdraw_appointment(
        only,
        reason="Clinic cancelled",
        by=clinician.user,
        as_of=NOW + dt.timedelta(hours=2),
    )

    deadline = discharge_deadlines(discharge)[rules.AFTERCARE_APPOINTMENT]
    assert deadline.met_at is None
    assert state_of(deadline, NOW + dt.timedelta(hours=2)) == State.OPEN


# Appointments: invalid input


def test_appointment_before_discharge_date_is_rejected(discharge, clinician):
    error, unchanged = rejection(lambda: book(discharge, clinician, days_after=-1))

    assert error.field == "scheduled_on"
    assert error.code == "before_discharge"
    assert error.message == (
        "Appointment date (11 January 2026) is before the discharge date "
        "(12 January 2026); enter that date or a later one."
    )
    assert unchanged


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"kind": "dental"}, "kind", "invalid_choice"),
        ({"provider": "  "}, "provider", "required"),
        ({"scheduled_on": None}, "scheduled_on", "required"),
    ],
    ids=["kind", "provider", "date"],
)
def test_invalid_appointment_is_rejected(changes, field, code, discharge, clinician):
    error, unchanged = rejection(lambda: book(discharge, clinician, **changes))

    assert error.field == field
    assert error.code == code
    assert unchanged


def test_appointment_without_discharge_is_rejected(clinician):
    error, unchanged = rejection(lambda: book(None, clinician))

    assert error.field == "discharge"
    assert error.code == "required"
    assert unchanged


def test_appointment_for_withdrawn_discharge_is_rejected(discharge, clinician):
    # `discharge` is the caller's copy, loaded before the withdrawal.
    withdraw_discharge(discharge, reason="Wrong member", by=clinician.user, as_of=NOW)

    error, unchanged = rejection(lambda: book(discharge, clinician))

    assert error.field == "discharge"
    assert error.code == "withdrawn"
    assert unchanged


# A program on Pacific time


def test_pacific_discharge_uses_pacific_day_and_window(db):
    program = ProgramFactory(timezone="America/Los_Angeles")
    clinician = StaffFactory(program=program)
    member = MemberFactory(program=program)
    admission = admit(
        member, at=dt.datetime(2026, 1, 5, 10, tzinfo=LOS_ANGELES), by=clinician
    )
    # 22:00 on 12 January in Los Angeles is already 13 January in UTC.
    discharged_at = dt.datetime(2026, 1, 12, 22, tzinfo=LOS_ANGELES)
    left = leave(admission, clinician, discharged_at=discharged_at, as_of=discharged_at)

    book(
        left,
        clinician,
        as_of=discharged_at + dt.timedelta(minutes=30),
        scheduled_on=dt.date(2026, 1, 19),
    )

    deadline = discharge_deadlines(left)[rules.AFTERCARE_APPOINTMENT]
    expected_due = dt.datetime(2026, 1, 12, 23, 59, 59, 999999, tzinfo=LOS_ANGELES)
    assert deadline.due_at == expected_due
    assert deadline.met_at == discharged_at + dt.timedelta(minutes=30)
    assert state_of(deadline, expected_due) == State.MET


def test_discharge_before_last_team_arrival_is_rejected(member, clinician, nurse):
    admission = admit(
        member, at=dt.datetime(2026, 1, 12, 10, tzinfo=NEW_YORK), by=clinician
    )
    assign_team_member(
        admission,
        staff=nurse,
        assigned_at=dt.datetime(2026, 1, 12, 12, tzinfo=NEW_YORK),
        by=clinician.user,
        as_of=dt.datetime(2026, 1, 12, 12, tzinfo=NEW_YORK),
    )

    with pytest.raises(ServiceError) as raised:
        factories.discharge(
            admission, at=dt.datetime(2026, 1, 12, 11, tzinfo=NEW_YORK), by=clinician
        )

    assert raised.value.field == "discharged_at"
    assert raised.value.code == "before_team_assignment"


@pytest.mark.parametrize("disposition", ["death", "higher_level_of_care"])
def test_appointment_after_no_aftercare_discharge_is_rejected(
    member, clinician, disposition
):
    admitted_at = dt.datetime(2026, 1, 12, 10, tzinfo=NEW_YORK)
    left_at = admitted_at + dt.timedelta(days=5)
    admission = admit(member, at=admitted_at, by=clinician)
    left = factories.discharge(
        admission, at=left_at, by=clinician, disposition=disposition
    )

    with pytest.raises(ServiceError) as raised:
        record_appointment(
            left,
            kind="aftercare",
            scheduled_on=left_at.date() + dt.timedelta(days=2),
            provider="Test Clinic",
            by=clinician.user,
            as_of=left_at,
        )

    assert raised.value.field == "discharge"
    assert raised.value.code == "no_aftercare"


def test_discharge_before_team_departure_is_rejected(member, clinician, nurse):
    admitted_at = dt.datetime(2026, 1, 12, 10, tzinfo=NEW_YORK)
    admission = admit(member, at=admitted_at, by=clinician)
    assignment = assign_team_member(
        admission,
        staff=nurse,
        assigned_at=admitted_at + dt.timedelta(hours=1),
        by=clinician.user,
        as_of=admitted_at + dt.timedelta(hours=1),
    )
    end_team_assignment(
        assignment,
        ended_at=admitted_at + dt.timedelta(hours=6),
        reason="Moved to another team",
        by=clinician.user,
        as_of=admitted_at + dt.timedelta(hours=6),
    )

    with pytest.raises(ServiceError) as raised:
        factories.discharge(
            admission, at=admitted_at + dt.timedelta(hours=3), by=clinician
        )

    assert raised.value.code == "before_team_assignment"
