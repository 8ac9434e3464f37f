"""Due times of every rule at their edges: day boundaries, weekends, Massachusetts
holidays, closure days, daylight-saving nights and a program on Pacific time.

Every clock is fixed: records are entered through the services with explicit
clinical times and `as_of`, and states are read through the selector at a given
instant.
"""

import datetime as dt
import zoneinfo

import pytest

from deadlines import rules
from deadlines.models import Deadline, State
from deadlines.selectors import with_state
from deadlines.services import deadline_for, set_rule_length
from discharge.services import record_appointment
from iop.errors import ServiceError
from iop.models import AuditEntry, ProgramClosure
from tests.factories import (
    MemberFactory,
    ProgramFactory,
    StaffFactory,
    admit,
    discharge,
    make_admission,
    make_evaluation,
    make_incident,
    make_referral,
)

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")
ONE_MINUTE = dt.timedelta(minutes=1)


def local(year, month, day, hour=0, minute=0, tz=NEW_YORK):
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


def end_of(year, month, day, tz=NEW_YORK):
    """Return the last instant of a local day, as day rules store it."""
    return dt.datetime.combine(dt.date(year, month, day), dt.time.max, tzinfo=tz)


def elapsed_between(earlier, later):
    """Return the real time between two instants, whatever their tzinfo.

    Python subtracts wall clocks when both operands share one zoneinfo.
    """
    return later.astimezone(dt.UTC) - earlier.astimezone(dt.UTC)


def state_at(deadline, as_of):
    return with_state(Deadline.objects.filter(pk=deadline.pk), as_of).get().state


# One way to start each rule's clock at `started_at`, through the services.


def start_diversion(member, staff, started_at):
    referral = make_referral(member, received_at=started_at, by=staff)
    return deadline_for(rules.EVALUATION_DIVERSION, referral)


def start_step_down(member, staff, started_at):
    referral = make_referral(member, received_at=started_at, by=staff, kind="step_down")
    return deadline_for(rules.EVALUATION_STEP_DOWN, referral)


def start_admission(member, staff, started_at):
    referral = make_referral(
        member, received_at=started_at - dt.timedelta(hours=1), by=staff
    )
    evaluation = make_evaluation(referral, completed_at=started_at, by=staff)
    return deadline_for(rules.ADMISSION, evaluation)


def start_team(member, staff, started_at):
    admission = admit(member, at=started_at, by=staff)
    return deadline_for(rules.TEAM_ASSIGNMENT, admission)


def start_incident(member, staff, started_at):
    incident = make_incident(member, occurred_at=started_at, by=staff)
    return deadline_for(rules.INCIDENT_REPORT, incident)


def start_aftercare(member, staff, started_at):
    admission = admit(member, at=started_at - dt.timedelta(days=3), by=staff)
    left = discharge(admission, at=started_at, by=staff)
    return deadline_for(rules.AFTERCARE_APPOINTMENT, left)


def start_medication_monitoring(member, staff, started_at):
    admission = admit(member, at=started_at - dt.timedelta(days=3), by=staff)
    left = discharge(admission, at=started_at, by=staff, on_medications=True)
    return deadline_for(rules.MEDICATION_MONITORING, left)


START_CLOCK = {
    rules.EVALUATION_DIVERSION: start_diversion,
    rules.EVALUATION_STEP_DOWN: start_step_down,
    rules.ADMISSION: start_admission,
    rules.TEAM_ASSIGNMENT: start_team,
    rules.INCIDENT_REPORT: start_incident,
    rules.AFTERCARE_APPOINTMENT: start_aftercare,
    rules.MEDICATION_MONITORING: start_medication_monitoring,
}

# Every clock below starts on Monday 12 January 2026 at 10:00 in New York: no
# holiday and no daylight-saving change is near.
MONDAY_10AM = local(2026, 1, 12, 10)

EXPECTED_DUE_AT = {
    rules.EVALUATION_DIVERSION: end_of(2026, 1, 13),
    rules.EVALUATION_STEP_DOWN: end_of(2026, 1, 14),
    rules.ADMISSION: local(2026, 1, 13, 10),
    rules.TEAM_ASSIGNMENT: local(2026, 1, 13, 10),
    rules.INCIDENT_REPORT: end_of(2026, 1, 13),
    rules.AFTERCARE_APPOINTMENT: end_of(2026, 1, 12),
    rules.MEDICATION_MONITORING: end_of(2026, 1, 12),
}

# Day rules warn from local midnight of the due day; rules due within a day of
# their start warn 4 hours before the due time.
EXPECTED_DUE_SOON_AT = {
    rules.EVALUATION_DIVERSION: local(2026, 1, 13),
    rules.EVALUATION_STEP_DOWN: local(2026, 1, 14),
    rules.ADMISSION: local(2026, 1, 13, 6),
    rules.TEAM_ASSIGNMENT: local(2026, 1, 13, 6),
    rules.INCIDENT_REPORT: local(2026, 1, 13),
    rules.AFTERCARE_APPOINTMENT: end_of(2026, 1, 12) - dt.timedelta(hours=4),
    rules.MEDICATION_MONITORING: end_of(2026, 1, 12) - dt.timedelta(hours=4),
}


def test_every_rule_has_an_edge_case_here():
    assert set(START_CLOCK) == set(rules.RULES)


@pytest.mark.parametrize("rule_key", sorted(START_CLOCK))
def test_rule_is_due_at_its_computed_time(rule_key, member, clinician):
    deadline = START_CLOCK[rule_key](member, clinician, MONDAY_10AM)

    assert deadline.due_at == EXPECTED_DUE_AT[rule_key]
    assert deadline.started_at == MONDAY_10AM
    assert deadline.length == rules.RULES[rule_key].length


@pytest.mark.parametrize("rule_key", sorted(START_CLOCK))
def test_rule_is_due_soon_one_minute_before_due_time(rule_key, member, clinician):
    deadline = START_CLOCK[rule_key](member, clinician, MONDAY_10AM)

    state = state_at(deadline, EXPECTED_DUE_AT[rule_key] - ONE_MINUTE)

    assert state == State.DUE_SOON


@pytest.mark.parametrize("rule_key", sorted(START_CLOCK))
def test_rule_is_still_due_soon_at_its_due_time(rule_key, member, clinician):
    deadline = START_CLOCK[rule_key](member, clinician, MONDAY_10AM)

    state = state_at(deadline, EXPECTED_DUE_AT[rule_key])

    assert state == State.DUE_SOON


@pytest.mark.parametrize("rule_key", sorted(START_CLOCK))
def test_rule_is_overdue_one_minute_after_due_time(rule_key, member, clinician):
    deadline = START_CLOCK[rule_key](member, clinician, MONDAY_10AM)

    state = state_at(deadline, EXPECTED_DUE_AT[rule_key] + ONE_MINUTE)

    assert state == State.OVERDUE


@pytest.mark.parametrize("rule_key", sorted(START_CLOCK))
def test_due_soon_starts_at_the_rules_warning_time(rule_key, member, clinician):
    deadline = START_CLOCK[rule_key](member, clinician, MONDAY_10AM)
    due_soon_at = EXPECTED_DUE_SOON_AT[rule_key]

    assert deadline.due_soon_at == due_soon_at
    assert state_at(deadline, due_soon_at) == State.DUE_SOON


@pytest.mark.parametrize(
    "rule_key",
    [
        rules.EVALUATION_DIVERSION,
        rules.EVALUATION_STEP_DOWN,
        rules.ADMISSION,
        rules.TEAM_ASSIGNMENT,
        rules.INCIDENT_REPORT,
    ],
)
def test_rule_is_open_one_minute_before_due_soon(rule_key, member, clinician):
    deadline = START_CLOCK[rule_key](member, clinician, MONDAY_10AM)

    state = state_at(deadline, EXPECTED_DUE_SOON_AT[rule_key] - ONE_MINUTE)

    assert state == State.OPEN


# Referrals at the edges of a local day


@pytest.mark.parametrize(
    ("kind", "received_at", "expected_due_at"),
    [
        ("diversion", local(2026, 1, 12, 23, 59), end_of(2026, 1, 13)),
        ("diversion", local(2026, 1, 13, 0, 0), end_of(2026, 1, 14)),
        ("step_down", local(2026, 1, 12, 23, 59), end_of(2026, 1, 14)),
        ("step_down", local(2026, 1, 13, 0, 0), end_of(2026, 1, 15)),
    ],
    ids=["diversion-23:59", "diversion-00:00", "step_down-23:59", "step_down-00:00"],
)
def test_referral_due_day_follows_its_local_date(
    kind, received_at, expected_due_at, member, clinician
):
    referral = make_referral(member, received_at=received_at, by=clinician, kind=kind)

    deadline = deadline_for(f"evaluation_{kind}", referral)

    assert deadline.due_at == expected_due_at


def test_evaluation_in_last_minute_of_due_day_is_on_time(member, clinician):
    referral = make_referral(
        member, received_at=local(2026, 1, 12, 23, 59), by=clinician
    )

    make_evaluation(referral, completed_at=local(2026, 1, 13, 23, 59), by=clinician)

    deadline = deadline_for(rules.EVALUATION_DIVERSION, referral)
    assert state_at(deadline, local(2026, 2, 1)) == State.MET


def test_evaluation_at_midnight_after_due_day_is_late(member, clinician):
    referral = make_referral(
        member, received_at=local(2026, 1, 12, 23, 59), by=clinician
    )

    make_evaluation(referral, completed_at=local(2026, 1, 14, 0, 0), by=clinician)

    deadline = deadline_for(rules.EVALUATION_DIVERSION, referral)
    assert state_at(deadline, local(2026, 2, 1)) == State.MET_LATE


def test_admission_exactly_24_hours_after_evaluation_is_on_time(member, clinician):
    referral = make_referral(member, received_at=local(2026, 1, 12, 9), by=clinician)
    evaluation = make_evaluation(
        referral, completed_at=local(2026, 1, 12, 10), by=clinician
    )

    admission = make_admission(
        evaluation, admitted_at=local(2026, 1, 13, 10), by=clinician
    )

    deadline = deadline_for(rules.ADMISSION, evaluation)
    assert deadline.met_at == admission.admitted_at
    assert state_at(deadline, local(2026, 2, 1)) == State.MET


def test_admission_one_minute_past_24_hours_is_late(member, clinician):
    referral = make_referral(member, received_at=local(2026, 1, 12, 9), by=clinician)
    evaluation = make_evaluation(
        referral, completed_at=local(2026, 1, 12, 10), by=clinician
    )

    make_admission(evaluation, admitted_at=local(2026, 1, 13, 10, 1), by=clinician)

    deadline = deadline_for(rules.ADMISSION, evaluation)
    assert state_at(deadline, local(2026, 2, 1)) == State.MET_LATE


# Business days for the incident report


@pytest.mark.parametrize(
    ("occurred_at", "expected_due_at"),
    [
        # Friday: the next business day is Monday.
        (local(2026, 1, 9, 15), end_of(2026, 1, 12)),
        # Saturday and Sunday count from the weekend day: due Monday.
        (local(2026, 1, 10, 15), end_of(2026, 1, 12)),
        (local(2026, 1, 11, 15), end_of(2026, 1, 12)),
        # Friday before Patriots' Day (Monday 20 April 2026, a Massachusetts
        # holiday): due Tuesday.
        (local(2026, 4, 17, 15), end_of(2026, 4, 21)),
        # Friday before Columbus Day (Monday 12 October 2026): due Tuesday.
        (local(2026, 10, 9, 15), end_of(2026, 10, 13)),
        # The day before Thanksgiving (Thursday 26 November 2026): due Friday,
        # which is not a legal holiday.
        (local(2026, 11, 25, 15), end_of(2026, 11, 27)),
        # Independence Day 2026 falls on a Saturday; Massachusetts does not
        # observe it on the Friday before, so Friday 3 July is a business day.
        (local(2026, 7, 2, 15), end_of(2026, 7, 3)),
        # Independence Day 2027 falls on a Sunday and is observed on Monday
        # 5 July: a Friday incident is due Tuesday.
        (local(2027, 7, 2, 15), end_of(2027, 7, 6)),
    ],
    ids=[
        "friday",
        "saturday",
        "sunday",
        "before-patriots-day",
        "before-columbus-day",
        "before-thanksgiving",
        "saturday-holiday-not-moved",
        "sunday-holiday-observed-monday",
    ],
)
def test_incident_is_due_end_of_next_business_day(
    occurred_at, expected_due_at, member, clinician
):
    deadline = start_incident(member, clinician, occurred_at)

    assert deadline.due_at == expected_due_at


def test_incident_report_skips_a_program_closure_day(program, member, clinician):
    ProgramClosure.objects.create(
        program=program, closed_on=dt.date(2026, 1, 14), reason="Staff training"
    )

    deadline = start_incident(member, clinician, local(2026, 1, 13, 15))

    assert deadline.due_at == end_of(2026, 1, 15)


def test_closure_of_another_program_moves_no_clock(member, clinician):
    other_program = ProgramFactory()
    ProgramClosure.objects.create(
        program=other_program, closed_on=dt.date(2026, 1, 14), reason="Staff training"
    )

    deadline = start_incident(member, clinician, local(2026, 1, 13, 15))

    assert deadline.due_at == end_of(2026, 1, 14)


def test_incident_before_midnight_counts_from_its_local_date(member, clinician):
    # 23:30 on Friday in New York is already Saturday in UTC.
    deadline = start_incident(member, clinician, local(2026, 1, 9, 23, 30))

    assert deadline.due_at == end_of(2026, 1, 12)


# 24-hour rules across daylight-saving nights in America/New_York


@pytest.mark.parametrize(
    ("rule_key", "started_at", "expected_local_due"),
    [
        # Spring forward, Sunday 8 March 2026: 24 elapsed hours after
        # Saturday 12:00 EST is Sunday 13:00 EDT.
        (rules.ADMISSION, local(2026, 3, 7, 12), (2026, 3, 8, 13)),
        (rules.TEAM_ASSIGNMENT, local(2026, 3, 7, 20), (2026, 3, 8, 21)),
        # Fall back, Sunday 1 November 2026: 24 elapsed hours after
        # Saturday 12:00 EDT is Sunday 11:00 EST.
        (rules.ADMISSION, local(2026, 10, 31, 12), (2026, 11, 1, 11)),
        (rules.TEAM_ASSIGNMENT, local(2026, 10, 31, 20), (2026, 11, 1, 19)),
    ],
    ids=[
        "admission-spring-forward",
        "team-spring-forward",
        "admission-fall-back",
        "team-fall-back",
    ],
)
def test_24_hour_rule_counts_elapsed_hours_across_dst(
    rule_key, started_at, expected_local_due, member, clinician
):
    deadline = START_CLOCK[rule_key](member, clinician, started_at)

    elapsed = elapsed_between(started_at, deadline.due_at)
    local_due = deadline.due_at.astimezone(NEW_YORK)

    assert elapsed == dt.timedelta(hours=24)
    assert local_due.replace(tzinfo=None) == dt.datetime(*expected_local_due)


def test_24_hour_rule_warns_four_elapsed_hours_before_across_fall_back(
    member, clinician
):
    # Due at 02:30 EST on 1 November 2026; 4 hours earlier is 23:30 EDT the
    # evening before, only 3 hours earlier on the wall clock.
    deadline = start_admission(member, clinician, local(2026, 10, 31, 3, 30))

    warning = elapsed_between(deadline.due_soon_at, deadline.due_at)

    assert warning == dt.timedelta(hours=4)
    assert deadline.due_soon_at == local(2026, 10, 31, 23, 30)


def test_day_rule_ends_at_local_midnight_after_spring_forward(member, clinician):
    # Received Saturday 7 March 2026 (EST); due the end of Sunday, now EDT.
    deadline = start_diversion(member, clinician, local(2026, 3, 7, 10))

    assert deadline.due_at == end_of(2026, 3, 8)
    assert deadline.due_at.utcoffset() == dt.timedelta(0)
    assert deadline.due_at.astimezone(NEW_YORK).utcoffset() == dt.timedelta(hours=-4)


def test_compute_due_at_adds_elapsed_hours_to_a_local_time():
    started_at = local(2026, 3, 7, 12)

    due_at = rules.compute_due_at(rules.RULES[rules.ADMISSION], started_at, tz=NEW_YORK)

    assert elapsed_between(started_at, due_at) == dt.timedelta(hours=24)
    assert due_at.astimezone(dt.UTC) == dt.datetime(2026, 3, 8, 17, tzinfo=dt.UTC)


# A program on Pacific time


@pytest.fixture
def pacific_program(db):
    return ProgramFactory(timezone="America/Los_Angeles")


@pytest.fixture
def pacific_clinician(pacific_program):
    return StaffFactory(program=pacific_program)


@pytest.fixture
def pacific_member(pacific_program):
    return MemberFactory(program=pacific_program)


def test_pacific_referral_is_due_at_pacific_midnight(pacific_member, pacific_clinician):
    # 22:30 in Los Angeles is already the next day in New York and in UTC.
    received_at = local(2026, 1, 12, 22, 30, tz=LOS_ANGELES)

    deadline = start_diversion(pacific_member, pacific_clinician, received_at)

    assert deadline.due_at == end_of(2026, 1, 13, tz=LOS_ANGELES)
    assert deadline.due_soon_at == local(2026, 1, 13, tz=LOS_ANGELES)


def test_pacific_incident_counts_business_days_locally(
    pacific_member, pacific_clinician
):
    # Thursday 22:00 in Los Angeles is Friday in New York; the next business
    # day after Thursday is Friday.
    occurred_at = local(2026, 1, 8, 22, tz=LOS_ANGELES)

    deadline = start_incident(pacific_member, pacific_clinician, occurred_at)

    assert deadline.due_at == end_of(2026, 1, 9, tz=LOS_ANGELES)


def test_pacific_discharge_is_due_at_end_of_pacific_day(
    pacific_member, pacific_clinician
):
    discharged_at = local(2026, 1, 12, 22, tz=LOS_ANGELES)

    deadline = start_aftercare(pacific_member, pacific_clinician, discharged_at)

    assert deadline.due_at == end_of(2026, 1, 12, tz=LOS_ANGELES)


# The appointment rules


@pytest.mark.parametrize(
    ("kind", "days_after", "expected_state"),
    [
        ("aftercare", 7, State.MET),
        ("aftercare", 8, State.OVERDUE),
        ("medication_monitoring", 14, State.MET),
        ("medication_monitoring", 15, State.OVERDUE),
    ],
    ids=[
        "aftercare-day-7",
        "aftercare-day-8",
        "medication-day-14",
        "medication-day-15",
    ],
)
def test_appointment_meets_its_rule_only_within_its_window(
    kind, days_after, expected_state, member, clinician
):
    admission = admit(member, at=local(2026, 1, 5, 10), by=clinician)
    left = discharge(admission, at=MONDAY_10AM, by=clinician, on_medications=True)
    rule_key = {
        "aftercare": rules.AFTERCARE_APPOINTMENT,
        "medication_monitoring": rules.MEDICATION_MONITORING,
    }[kind]

    record_appointment(
        left,
        kind=kind,
        scheduled_on=dt.date(2026, 1, 12) + dt.timedelta(days=days_after),
        provider="Example Outpatient Clinic",
        by=clinician.user,
        as_of=local(2026, 1, 12, 15),
    )

    deadline = deadline_for(rule_key, left)
    assert state_at(deadline, local(2026, 1, 13)) == expected_state


# Program settings: stricter lengths only


def test_rule_length_longer_than_specification_is_rejected(program, director):
    with pytest.raises(ServiceError) as raised:
        set_rule_length(
            program,
            rules.EVALUATION_STEP_DOWN,
            3,
            by=director.user,
            as_of=MONDAY_10AM,
        )

    assert raised.value.field == "length"
    assert raised.value.code == "looser_than_specification"
    assert not program.rule_settings.exists()
    assert not AuditEntry.objects.filter(action="rule_setting.changed").exists()


def test_rule_length_below_minimum_is_rejected(program, director):
    with pytest.raises(ServiceError) as raised:
        set_rule_length(
            program, rules.ADMISSION, 0, by=director.user, as_of=MONDAY_10AM
        )

    assert raised.value.field == "length"
    assert raised.value.code == "too_short"
    assert not program.rule_settings.exists()


@pytest.mark.parametrize("length", [None, "3", 1.5, True])
def test_rule_length_that_is_not_a_whole_number_is_rejected(length, program, director):
    with pytest.raises(ServiceError) as raised:
        set_rule_length(
            program,
            rules.EVALUATION_STEP_DOWN,
            length,
            by=director.user,
            as_of=MONDAY_10AM,
        )

    assert raised.value.field == "length"
    assert raised.value.code == "invalid"
    assert not program.rule_settings.exists()


def test_rule_length_for_unknown_rule_is_rejected(program, director):
    with pytest.raises(ServiceError) as raised:
        set_rule_length(program, "no_such_rule", 1, by=director.user, as_of=MONDAY_10AM)

    assert raised.value.field == "rule"
    assert raised.value.code == "unknown_rule"


def test_stricter_length_applies_to_deadlines_opened_after_it(
    program, member, clinician, director
):
    before = start_step_down(member, clinician, MONDAY_10AM)

    set_rule_length(
        program,
        rules.EVALUATION_STEP_DOWN,
        1,
        by=director.user,
        as_of=local(2026, 1, 12, 11),
    )
    after = start_step_down(member, clinician, local(2026, 1, 12, 12))

    before.refresh_from_db()
    assert before.length == 2
    assert before.due_at == end_of(2026, 1, 14)
    assert after.length == 1
    assert after.due_at == end_of(2026, 1, 13)


def test_stricter_length_change_is_audited(program, director):
    set_rule_length(
        program,
        rules.ADMISSION,
        12,
        by=director.user,
        as_of=MONDAY_10AM,
    )

    entry = AuditEntry.objects.get(action="rule_setting.changed")
    assert entry.actor == director.user
    assert entry.program == program
    assert entry.at == MONDAY_10AM
    assert entry.detail == {"rule": rules.ADMISSION, "from": 24, "to": 12}


def test_stricter_24_hour_length_shortens_the_elapsed_clock(
    program, member, clinician, director
):
    set_rule_length(
        program, rules.ADMISSION, 12, by=director.user, as_of=local(2026, 1, 1)
    )

    deadline = start_admission(member, clinician, MONDAY_10AM)

    assert deadline.due_at == local(2026, 1, 12, 22)
    assert deadline.due_soon_at == local(2026, 1, 12, 18)


def test_stricter_aftercare_window_rejects_a_later_appointment(
    program, member, clinician, director
):
    set_rule_length(
        program,
        rules.AFTERCARE_APPOINTMENT,
        3,
        by=director.user,
        as_of=local(2026, 1, 1),
    )
    admission = admit(member, at=local(2026, 1, 5, 10), by=clinician)
    left = discharge(admission, at=MONDAY_10AM, by=clinician)

    record_appointment(
        left,
        kind="aftercare",
        scheduled_on=dt.date(2026, 1, 16),
        provider="Example Outpatient Clinic",
        by=clinician.user,
        as_of=local(2026, 1, 12, 15),
    )

    deadline = deadline_for(rules.AFTERCARE_APPOINTMENT, left)
    assert deadline.met_at is None


def test_setting_of_another_program_does_not_apply(member, clinician, director):
    other_program = ProgramFactory()
    set_rule_length(
        other_program,
        rules.EVALUATION_STEP_DOWN,
        1,
        by=director.user,
        as_of=local(2026, 1, 1),
    )

    deadline = start_step_down(member, clinician, MONDAY_10AM)

    assert deadline.length == 2


def test_same_day_evaluation_setting_warns_hours_before(
    program, member, clinician, director
):
    set_rule_length(
        program, rules.EVALUATION_DIVERSION, 0, by=director.user, as_of=MONDAY_10AM
    )

    referral = make_referral(
        member, received_at=local(2026, 1, 12, 11), by=clinician, kind="diversion"
    )
    deadline = deadline_for(rules.EVALUATION_DIVERSION, referral)

    assert deadline.due_at == end_of(2026, 1, 12)
    assert deadline.due_soon_at == end_of(2026, 1, 12) - dt.timedelta(hours=4)
