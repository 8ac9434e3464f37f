"""Adverse-incident services and the reporting deadline.

The report to the health plan is due by the end of the next business day
after the day the incident occurred, and is met at the time of the report.
"""

import datetime as dt
import zoneinfo

import pytest

from deadlines import rules
from deadlines.models import Deadline, State
from deadlines.selectors import with_state
from deadlines.services import deadline_for
from incidents.services import (
    record_incident,
    report_incident_to_plan,
    withdraw_incident,
)
from iop.errors import ServiceError
from tests.factories import MemberFactory, ProgramFactory, StaffFactory, make_incident
from tests.snapshots import rejection

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")

# Friday 9 January 2026: the report is due by the end of Monday 12 January.
OCCURRED_AT = dt.datetime(2026, 1, 9, 15, tzinfo=NEW_YORK)
NOW = dt.datetime(2026, 1, 9, 17, tzinfo=NEW_YORK)
END_OF_MONDAY = dt.datetime(2026, 1, 12, 23, 59, 59, 999999, tzinfo=NEW_YORK)


def state_of(deadline, as_of):
    return with_state(Deadline.objects.filter(pk=deadline.pk), as_of).get().state


def record(member, clinician, **changes):
    arguments = {
        "kind": "elopement",
        "occurred_at": OCCURRED_AT,
        "discovered_at": OCCURRED_AT,
        "description": "Synthetic test incident.",
        "by": clinician.user,
        "as_of": NOW,
        **changes,
    }
    return record_incident(member, **arguments)


@pytest.fixture
def incident(member, clinician):
    return record(member, clinician)


def report(incident, clinician, reported_at, as_of=None):
    return report_incident_to_plan(
        incident, reported_at=reported_at, by=clinician.user, as_of=as_of or reported_at
    )


# Deadlines


def test_incident_opens_next_business_day_deadline(incident, member, program):
    deadline = deadline_for(rules.INCIDENT_REPORT, incident)

    assert deadline.started_at == OCCURRED_AT
    assert deadline.due_at == END_OF_MONDAY
    assert deadline.member == member
    assert deadline.program == program


def test_clock_starts_at_occurrence_not_discovery(member, clinician):
    discovered_at = dt.datetime(2026, 1, 12, 9, tzinfo=NEW_YORK)

    incident = record(
        member, clinician, discovered_at=discovered_at, as_of=discovered_at
    )

    deadline = deadline_for(rules.INCIDENT_REPORT, incident)
    assert deadline.started_at == OCCURRED_AT
    assert deadline.due_at == END_OF_MONDAY


def test_report_meets_deadline_at_reported_time(incident, clinician):
    reported_at = dt.datetime(2026, 1, 12, 11, tzinfo=NEW_YORK)

    report(incident, clinician, reported_at, as_of=reported_at + dt.timedelta(hours=3))

    deadline = deadline_for(rules.INCIDENT_REPORT, incident)
    assert deadline.met_at == reported_at
    assert deadline.met_by == incident
    assert state_of(deadline, reported_at) == State.MET


def test_report_given_when_recording_meets_at_once(member, clinician):
    reported_at = dt.datetime(2026, 1, 9, 16, tzinfo=NEW_YORK)

    incident = record(member, clinician, reported_to_plan_at=reported_at)

    deadline = deadline_for(rules.INCIDENT_REPORT, incident)
    assert incident.reported_to_plan_at == reported_at
    assert deadline.met_at == reported_at


def test_late_report_is_met_late(incident, clinician):
    tuesday = dt.datetime(2026, 1, 13, 8, tzinfo=NEW_YORK)

    report(incident, clinician, tuesday)

    deadline = deadline_for(rules.INCIDENT_REPORT, incident)
    assert deadline.met_at == tuesday
    assert state_of(deadline, tuesday) == State.MET_LATE


def test_report_in_last_moment_of_due_day_is_on_time(incident, clinician):
    last_second = dt.datetime(2026, 1, 12, 23, 59, 59, tzinfo=NEW_YORK)

    report(incident, clinician, last_second)

    deadline = deadline_for(rules.INCIDENT_REPORT, incident)
    assert state_of(deadline, last_second) == State.MET


def test_withdrawn_incident_cancels_its_deadline(incident, clinician):
    withdraw_incident(
        incident, reason="Entered on the wrong member", by=clinician.user, as_of=NOW
    )

    deadline = deadline_for(rules.INCIDENT_REPORT, incident)
    assert deadline.cancelled_at == NOW
    assert deadline.cancel_reason == "Incident withdrawn: Entered on the wrong member"


# Invalid input


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"kind": "mystery"}, "kind", "invalid_choice"),
        (
            {"occurred_at": NOW + dt.timedelta(minutes=2)},
            "occurred_at",
            "in_future",
        ),
        ({"occurred_at": None}, "occurred_at", "required"),
        ({"discovered_at": None}, "discovered_at", "required"),
        (
            {"discovered_at": OCCURRED_AT - dt.timedelta(minutes=1)},
            "discovered_at",
            "before_occurrence",
        ),
        (
            {"reported_to_plan_at": OCCURRED_AT - dt.timedelta(minutes=1)},
            "reported_to_plan_at",
            "before_occurrence",
        ),
        (
            {"reported_to_plan_at": NOW + dt.timedelta(minutes=2)},
            "reported_to_plan_at",
            "in_future",
        ),
    ],
    ids=[
        "kind",
        "future",
        "missing-occurrence",
        "missing-discovery",
        "discovered-before-occurrence",
        "reported-before-occurrence",
        "reported-in-future",
    ],
)
def test_invalid_incident_is_rejected(changes, field, code, member, clinician):
    error, unchanged = rejection(lambda: record(member, clinician, **changes))

    assert error.field == field
    assert error.code == code
    assert unchanged


def test_incident_without_member_is_rejected(clinician):
    error, unchanged = rejection(lambda: record(None, clinician))

    assert error.field == "member"
    assert error.code == "required"
    assert unchanged


def test_report_before_occurrence_is_rejected(incident, clinician):
    early = OCCURRED_AT - dt.timedelta(minutes=1)

    error, unchanged = rejection(lambda: report(incident, clinician, early, as_of=NOW))

    assert error.field == "reported_to_plan_at"
    assert error.code == "before_occurrence"
    assert unchanged


def test_second_report_is_rejected(incident, clinician):
    report(incident, clinician, NOW)

    error, unchanged = rejection(lambda: report(incident, clinician, NOW))

    assert error.field == "reported_to_plan_at"
    assert error.code == "already_reported"
    assert unchanged


def test_report_of_withdrawn_incident_is_rejected(incident, clinician):
    withdraw_incident(incident, reason="Duplicate", by=clinician.user, as_of=NOW)

    error, unchanged = rejection(lambda: report(incident, clinician, NOW))

    assert error.code == "withdrawn"
    assert unchanged


def test_withdrawal_without_reason_is_rejected(incident, clinician):
    error, unchanged = rejection(
        lambda: withdraw_incident(incident, reason="", by=clinician.user, as_of=NOW)
    )

    assert error.field == "reason"
    assert error.code == "required"
    assert unchanged


# A program on Pacific time


def test_pacific_report_late_evening_is_on_time(db):
    program = ProgramFactory(timezone="America/Los_Angeles")
    clinician = StaffFactory(program=program)
    member = MemberFactory(program=program)
    # Thursday 8 January 2026, 22:00 in Los Angeles (Friday in New York).
    occurred_at = dt.datetime(2026, 1, 8, 22, tzinfo=LOS_ANGELES)
    # Friday 23:00 in Los Angeles is already Saturday in New York.
    reported_at = dt.datetime(2026, 1, 9, 23, tzinfo=LOS_ANGELES)

    incident = record(
        member,
        clinician,
        occurred_at=occurred_at,
        discovered_at=occurred_at,
        as_of=occurred_at,
    )
    report(incident, clinician, reported_at)

    deadline = deadline_for(rules.INCIDENT_REPORT, incident)
    expected_due = dt.datetime(2026, 1, 9, 23, 59, 59, 999999, tzinfo=LOS_ANGELES)
    assert deadline.due_at == expected_due
    assert state_of(deadline, reported_at) == State.MET


def test_identical_incident_is_rejected_as_duplicate(member, clinician):
    occurred_at = dt.datetime(2026, 1, 12, 10, tzinfo=dt.UTC)
    make_incident(member, occurred_at=occurred_at, by=clinician)

    with pytest.raises(ServiceError) as raised:
        make_incident(member, occurred_at=occurred_at, by=clinician)

    assert raised.value.field == "occurred_at"
    assert raised.value.code == "duplicate"


def test_overlong_description_is_rejected(member, clinician):
    occurred_at = dt.datetime(2026, 1, 12, 10, tzinfo=dt.UTC)

    with pytest.raises(ServiceError) as raised:
        record_incident(
            member,
            kind="elopement",
            occurred_at=occurred_at,
            discovered_at=occurred_at,
            description="x" * 10_001,
            by=clinician.user,
            as_of=occurred_at,
        )

    assert raised.value.field == "description"
    assert raised.value.code == "too_long"
