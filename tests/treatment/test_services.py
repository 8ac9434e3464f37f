"""Care-team services: the team composition rule and the care-team deadline.

A valid team has at least 2 different people of at least 2 disciplines, and
at least 1 of them is independently licensed. The deadline is met at the
arrival that first makes the team valid.
"""

import datetime as dt
import zoneinfo

import pytest

from deadlines import rules
from deadlines.models import Deadline, State
from deadlines.selectors import with_state
from deadlines.services import deadline_for
from iop.choices import Discipline, Role
from iop.models import AuditEntry
from referrals.services import withdraw_admission
from tests.factories import (
    MemberFactory,
    ProgramFactory,
    StaffFactory,
    admit,
    discharge,
)
from tests.snapshots import rejection
from treatment.models import CareTeamAssignment
from treatment.services import (
    assign_team_member,
    end_team_assignment,
    is_valid_team,
    withdraw_team_assignment,
)

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")

ADMITTED_AT = dt.datetime(2026, 1, 12, 10, tzinfo=NEW_YORK)
NOW = dt.datetime(2026, 1, 12, 18, tzinfo=NEW_YORK)


def at(hour, minute=0):
    return dt.datetime(2026, 1, 12, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def social_worker(program):
    """A licensed social worker (LSW): social work, not independently licensed."""
    return StaffFactory(
        program=program,
        discipline=Discipline.SOCIAL_WORK,
        credentials="LSW",
        is_independently_licensed=False,
    )


@pytest.fixture
def admission(member, clinician):
    return admit(member, at=ADMITTED_AT, by=clinician)


def assign(admission, staff, assigned_at, recorded_by):
    return assign_team_member(
        admission,
        staff=staff,
        assigned_at=assigned_at,
        by=recorded_by.user,
        as_of=NOW,
    )


def team_deadline(admission):
    return deadline_for(rules.TEAM_ASSIGNMENT, admission)


def state_of(deadline, as_of=NOW):
    return with_state(Deadline.objects.filter(pk=deadline.pk), as_of).get().state


# Composition


def test_team_of_one_person_does_not_meet(admission, clinician):
    assign(admission, clinician, at(10, 30), clinician)

    assert team_deadline(admission).met_at is None


def test_two_without_licensed_member_do_not_meet(
    admission, nurse, social_worker, clinician
):
    assign(admission, nurse, at(10, 30), clinician)
    assign(admission, social_worker, at(11), clinician)

    assert team_deadline(admission).met_at is None


def test_two_of_one_discipline_do_not_meet(admission, clinician, social_worker):
    assign(admission, clinician, at(10, 30), clinician)
    assign(admission, social_worker, at(11), clinician)

    assert team_deadline(admission).met_at is None


def test_licensed_pair_of_two_disciplines_meets(admission, clinician, nurse):
    assign(admission, clinician, at(10, 30), clinician)
    completing = assign(admission, nurse, at(11), clinician)

    deadline = team_deadline(admission)
    assert deadline.met_at == at(11)
    assert deadline.met_by == completing
    assert state_of(deadline) == State.MET


def test_third_arrival_completing_team_meets_at_its_time(
    admission, clinician, social_worker, nurse
):
    assign(admission, clinician, at(10, 30), clinician)
    assign(admission, social_worker, at(11), clinician)
    completing = assign(admission, nurse, at(11, 30), clinician)

    deadline = team_deadline(admission)
    assert deadline.met_at == at(11, 30)
    assert deadline.met_by == completing


def test_licensed_third_member_completes_unlicensed_pair(
    admission, nurse, social_worker, psychiatrist, clinician
):
    assign(admission, nurse, at(10, 30), clinician)
    assign(admission, social_worker, at(11), clinician)
    completing = assign(admission, psychiatrist, at(12), clinician)

    assert team_deadline(admission).met_by == completing


def test_arrivals_recorded_out_of_order_meet_at_clinical_time(
    admission, clinician, nurse
):
    # The nurse's assignment is entered first but dated later.
    assign(admission, nurse, at(12), clinician)
    assign(admission, clinician, at(11), clinician)

    assert team_deadline(admission).met_at == at(12)


def test_member_who_left_before_the_next_arrival_does_not_count(
    admission, clinician, nurse
):
    first = assign(admission, clinician, at(10, 30), clinician)
    end_team_assignment(
        first, ended_at=at(10, 45), reason="Reassigned", by=clinician.user, as_of=NOW
    )

    assign(admission, nurse, at(11), clinician)

    assert team_deadline(admission).met_at is None


def test_one_person_counts_once_whatever_their_roles(clinician):
    # Two assignments of the same person, recorded under two disciplines.
    as_social_worker = CareTeamAssignment(
        staff=clinician,
        discipline=Discipline.SOCIAL_WORK,
        is_independently_licensed=True,
    )
    as_counselor = CareTeamAssignment(
        staff=clinician,
        discipline=Discipline.MENTAL_HEALTH_COUNSELING,
        is_independently_licensed=True,
    )

    assert not is_valid_team([as_social_worker, as_counselor])


def test_same_person_twice_on_team_is_rejected(admission, clinician):
    assign(admission, clinician, at(10, 30), clinician)

    error, unchanged = rejection(
        lambda: assign(admission, clinician, at(11), clinician)
    )

    assert error.field == "staff"
    assert error.code == "already_on_team"
    assert unchanged


def test_team_assigned_after_24_hours_is_met_late(admission, clinician, nurse):
    late = ADMITTED_AT + dt.timedelta(hours=24, minutes=1)
    assign_team_member(
        admission, staff=clinician, assigned_at=late, by=clinician.user, as_of=late
    )
    assign_team_member(
        admission, staff=nurse, assigned_at=late, by=clinician.user, as_of=late
    )

    deadline = team_deadline(admission)
    assert state_of(deadline, late) == State.MET_LATE


# Changes to a met team


def test_member_leaving_later_keeps_deadline_met(admission, clinician, nurse):
    assign(admission, clinician, at(10, 30), clinician)
    completing = assign(admission, nurse, at(11), clinician)

    end_team_assignment(
        completing,
        ended_at=at(15),
        reason="Left the program",
        by=clinician.user,
        as_of=NOW,
    )

    deadline = team_deadline(admission)
    assert deadline.met_at == at(11)
    assert deadline.met_by == completing
    assert state_of(deadline) == State.MET


def test_withdrawn_completing_member_remeets_with_next_arrival(
    admission, clinician, nurse, psychiatrist
):
    assign(admission, clinician, at(10, 30), clinician)
    completing = assign(admission, nurse, at(11), clinician)
    later = assign(admission, psychiatrist, at(12), clinician)
    deadline_id = team_deadline(admission).pk

    withdraw_team_assignment(
        completing, reason="Entered on the wrong member", by=clinician.user, as_of=NOW
    )

    deadline = team_deadline(admission)
    assert deadline.pk == deadline_id
    assert deadline.met_at == at(12)
    assert deadline.met_by == later


def test_withdrawn_completing_member_reopening_is_audited(admission, clinician, nurse):
    assign(admission, clinician, at(10, 30), clinician)
    completing = assign(admission, nurse, at(11), clinician)

    withdraw_team_assignment(
        completing, reason="Entered on the wrong member", by=clinician.user, as_of=NOW
    )

    entry = AuditEntry.objects.get(action="deadline.reopened")
    assert entry.subject_id == team_deadline(admission).pk
    assert (
        entry.detail["reason"] == "Team member withdrawn: Entered on the wrong member"
    )


def test_withdrawn_completing_member_without_replacement_reopens(
    admission, clinician, nurse
):
    assign(admission, clinician, at(10, 30), clinician)
    completing = assign(admission, nurse, at(11), clinician)

    withdraw_team_assignment(
        completing, reason="Entered on the wrong member", by=clinician.user, as_of=NOW
    )

    deadline = team_deadline(admission)
    assert deadline.met_at is None
    assert state_of(deadline) == State.OPEN


def test_withdrawn_other_member_leaves_deadline_alone(
    admission, clinician, nurse, psychiatrist
):
    assign(admission, clinician, at(10, 30), clinician)
    completing = assign(admission, nurse, at(11), clinician)
    extra = assign(admission, psychiatrist, at(12), clinician)

    withdraw_team_assignment(
        extra, reason="Entered on the wrong member", by=clinician.user, as_of=NOW
    )

    deadline = team_deadline(admission)
    assert deadline.met_by == completing
    assert not AuditEntry.objects.filter(action="deadline.reopened").exists()


def test_withdrawn_licensed_member_reopens_deadline(admission, clinician, nurse):
    licensed = assign(admission, clinician, at(10, 30), clinician)
    assign(admission, nurse, at(11), clinician)

    withdraw_team_assignment(
        licensed, reason="Entered on the wrong member", by=clinician.user, as_of=NOW
    )

    deadline = team_deadline(admission)
    assert deadline.met_at is None
    assert state_of(deadline) == State.OPEN
    assert AuditEntry.objects.filter(action="deadline.reopened").exists()


def test_withdrawn_partner_of_simultaneous_arrival_reopens(admission, clinician, nurse):
    assign(admission, nurse, at(11), clinician)
    licensed = assign(admission, clinician, at(11), clinician)

    withdraw_team_assignment(
        licensed, reason="Entered on the wrong member", by=clinician.user, as_of=NOW
    )

    assert team_deadline(admission).met_at is None


def test_end_dated_before_completion_reopens_deadline(admission, clinician, nurse):
    licensed = assign(admission, clinician, at(10, 30), clinician)
    assign(admission, nurse, at(11), clinician)

    end_team_assignment(
        licensed,
        ended_at=at(10, 45),
        reason="Left the program",
        by=clinician.user,
        as_of=NOW,
    )

    assert team_deadline(admission).met_at is None


def test_earlier_arrival_entered_later_moves_met_time(
    admission, clinician, nurse, psychiatrist
):
    assign(admission, clinician, at(10, 30), clinician)
    assign(admission, psychiatrist, at(14), clinician)
    earlier = assign(admission, nurse, at(11), clinician)

    deadline = team_deadline(admission)
    assert deadline.met_at == at(11)
    assert deadline.met_by == earlier
    assert AuditEntry.objects.filter(action="deadline.met_changed").exists()


# Invalid input


@pytest.mark.parametrize(
    ("assigned_at", "code"),
    [
        (ADMITTED_AT - dt.timedelta(minutes=1), "before_admission"),
        (NOW + dt.timedelta(minutes=2), "in_future"),
        (dt.datetime(2026, 1, 12, 11), "naive_datetime"),
        (None, "required"),
    ],
    ids=["before-admission", "future", "naive", "missing"],
)
def test_invalid_assignment_time_is_rejected(assigned_at, code, admission, clinician):
    error, unchanged = rejection(
        lambda: assign(admission, clinician, assigned_at, clinician)
    )

    assert error.field == "assigned_at"
    assert error.code == code
    assert unchanged


def test_staff_of_another_program_is_rejected(admission, clinician):
    outsider = StaffFactory(program=ProgramFactory())

    error, unchanged = rejection(lambda: assign(admission, outsider, at(11), clinician))

    assert error.field == "staff"
    assert error.code == "not_program_staff"
    assert unchanged


def test_inactive_staff_is_rejected(admission, clinician, nurse):
    nurse.is_active = False
    nurse.save()

    error, unchanged = rejection(lambda: assign(admission, nurse, at(11), clinician))

    assert error.field == "staff"
    assert error.code == "not_program_staff"
    assert unchanged


def test_missing_staff_is_rejected(admission, clinician):
    error, unchanged = rejection(lambda: assign(admission, None, at(11), clinician))

    assert error.field == "staff"
    assert error.code == "not_program_staff"
    assert unchanged


def test_assignment_without_admission_is_rejected(clinician):
    error, unchanged = rejection(lambda: assign(None, clinician, at(11), clinician))

    assert error.field == "admission"
    assert error.code == "required"
    assert unchanged


def test_assignment_after_discharge_is_rejected(admission, clinician):
    # `admission` is the caller's copy, loaded before the discharge.
    discharge(admission, at=at(12), by=clinician)

    error, unchanged = rejection(
        lambda: assign(admission, clinician, at(11), clinician)
    )

    assert error.field == "admission"
    assert error.code == "discharged"
    assert unchanged


def test_assignment_to_withdrawn_admission_is_rejected(admission, clinician):
    # `admission` is the caller's copy, loaded before the withdrawal.
    withdraw_admission(admission, reason="Wrong member", by=clinician.user, as_of=NOW)

    error, unchanged = rejection(
        lambda: assign(admission, clinician, at(11), clinician)
    )

    assert error.field == "admission"
    assert error.code == "withdrawn"
    assert unchanged


def test_end_before_assignment_is_rejected(admission, clinician):
    assignment = assign(admission, clinician, at(11), clinician)

    error, unchanged = rejection(
        lambda: end_team_assignment(
            assignment, ended_at=at(10, 59), reason="Left", by=clinician.user, as_of=NOW
        )
    )

    assert error.field == "ended_at"
    assert error.code == "before_assignment"
    assert unchanged


def test_end_without_reason_is_rejected(admission, clinician):
    assignment = assign(admission, clinician, at(11), clinician)

    error, unchanged = rejection(
        lambda: end_team_assignment(
            assignment, ended_at=at(12), reason=" ", by=clinician.user, as_of=NOW
        )
    )

    assert error.field == "reason"
    assert error.code == "required"
    assert unchanged


def test_ending_twice_is_rejected(admission, clinician):
    assignment = assign(admission, clinician, at(11), clinician)
    end_team_assignment(
        assignment, ended_at=at(12), reason="Left", by=clinician.user, as_of=NOW
    )

    error, unchanged = rejection(
        lambda: end_team_assignment(
            assignment, ended_at=at(13), reason="Left", by=clinician.user, as_of=NOW
        )
    )

    assert error.code == "already_ended"
    assert unchanged


def test_withdrawal_without_reason_is_rejected(admission, clinician):
    assignment = assign(admission, clinician, at(11), clinician)

    error, unchanged = rejection(
        lambda: withdraw_team_assignment(
            assignment, reason="", by=clinician.user, as_of=NOW
        )
    )

    assert error.field == "reason"
    assert error.code == "required"
    assert unchanged


# A program on Pacific time


def test_pacific_team_deadline_counts_elapsed_hours(db):
    program = ProgramFactory(timezone="America/Los_Angeles")
    clinician = StaffFactory(program=program)
    member = MemberFactory(program=program)
    # Spring forward in Los Angeles is Sunday 8 March 2026 at 02:00.
    admitted_at = dt.datetime(2026, 3, 7, 20, tzinfo=LOS_ANGELES)

    admission = admit(member, at=admitted_at, by=clinician)

    due_local = team_deadline(admission).due_at.astimezone(LOS_ANGELES)
    assert due_local.replace(tzinfo=None) == dt.datetime(2026, 3, 8, 21)


# Staff who may join, and the team after discharge


@pytest.mark.parametrize("role", [Role.QM, Role.ADMINISTRATOR])
def test_non_clinical_staff_cannot_join_team(admission, clinician, role):
    outsider = StaffFactory(program=admission.program, role=role)

    error, unchanged = rejection(lambda: assign(admission, outsider, at(11), clinician))

    assert error.field == "staff"
    assert error.code == "not_clinical_staff"
    assert unchanged


def test_taking_off_team_after_discharge_is_rejected(admission, clinician, nurse):
    licensed = assign(admission, clinician, at(10, 30), clinician)
    discharge(admission, at=at(12), by=clinician)

    error, unchanged = rejection(
        lambda: end_team_assignment(
            licensed, ended_at=at(13), reason="Left", by=clinician.user, as_of=NOW
        )
    )

    assert error.code == "discharged"
    assert unchanged


def test_withdrawal_after_early_discharge_cancels_deadline(admission, clinician, nurse):
    licensed = assign(admission, clinician, at(10, 30), clinician)
    assign(admission, nurse, at(11), clinician)
    discharge(admission, at=at(12), by=clinician)

    withdraw_team_assignment(
        licensed, reason="Entered on the wrong member", by=clinician.user, as_of=NOW
    )

    deadline = team_deadline(admission)
    assert deadline.met_at is None
    assert deadline.cancel_reason == "Discharged before the care team was due"
