"""Referral, evaluation and admission services: what they reject, and the
deadlines they open, meet, reopen and cancel."""

import datetime as dt
import zoneinfo

import pytest

from deadlines import rules
from deadlines.models import Deadline, State
from deadlines.selectors import with_state
from deadlines.services import deadline_for
from iop.errors import ServiceError
from iop.models import AuditEntry
from referrals.models import Admission
from referrals.services import (
    admit_member,
    record_evaluation,
    record_referral,
    withdraw_admission,
    withdraw_evaluation,
    withdraw_referral,
)
from tests.concurrency import run_at_once
from tests.factories import (
    MemberFactory,
    ProgramFactory,
    StaffFactory,
    admit,
    discharge,
    make_admission,
    make_evaluation,
    make_referral,
)
from tests.snapshots import rejection

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")

RECEIVED_AT = dt.datetime(2026, 1, 12, 9, tzinfo=NEW_YORK)
COMPLETED_AT = dt.datetime(2026, 1, 12, 11, tzinfo=NEW_YORK)
ADMITTED_AT = dt.datetime(2026, 1, 12, 14, tzinfo=NEW_YORK)
NOW = dt.datetime(2026, 1, 12, 18, tzinfo=NEW_YORK)


def state_of(deadline, as_of=NOW):
    return with_state(Deadline.objects.filter(pk=deadline.pk), as_of).get().state


@pytest.fixture
def referral(member, clinician):
    return make_referral(member, received_at=RECEIVED_AT, by=clinician)


@pytest.fixture
def evaluation(referral, clinician):
    return make_evaluation(referral, completed_at=COMPLETED_AT, by=clinician)


@pytest.fixture
def admission(evaluation, clinician):
    return make_admission(evaluation, admitted_at=ADMITTED_AT, by=clinician)


def refer(member, clinician, **changes):
    arguments = {
        "source": "emergency_services",
        "kind": "diversion",
        "plan_product": "hmo",
        "received_at": RECEIVED_AT,
        "by": clinician.user,
        "as_of": NOW,
        **changes,
    }
    return record_referral(member, **arguments)


def evaluate(referral, clinician, **changes):
    arguments = {
        "completed_at": COMPLETED_AT,
        "evaluated_by": clinician,
        "outcome": "admit",
        "by": clinician.user,
        "as_of": NOW,
        **changes,
    }
    return record_evaluation(referral, **arguments)


def admit_at(evaluation, clinician, admitted_at=ADMITTED_AT):
    return admit_member(
        evaluation, admitted_at=admitted_at, by=clinician.user, as_of=NOW
    )


# Referrals: invalid input


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"received_at": NOW + dt.timedelta(minutes=2)}, "received_at", "in_future"),
        ({"received_at": dt.datetime(2026, 1, 12, 9)}, "received_at", "naive_datetime"),
        ({"received_at": None}, "received_at", "required"),
        ({"kind": "urgent"}, "kind", "invalid_choice"),
        ({"source": "hospital"}, "source", "invalid_choice"),
        ({"plan_product": "gold"}, "plan_product", "invalid_choice"),
    ],
    ids=["future", "naive", "missing-time", "kind", "source", "plan-product"],
)
def test_invalid_referral_is_rejected(changes, field, code, member, clinician):
    error, unchanged = rejection(lambda: refer(member, clinician, **changes))

    assert error.field == field
    assert error.code == code
    assert unchanged


def test_referral_without_member_is_rejected(clinician):
    error, unchanged = rejection(lambda: refer(None, clinician))

    assert error.field == "member"
    assert error.code == "required"
    assert unchanged


def test_referral_rejection_names_field_and_fix(member, clinician):
    future = NOW + dt.timedelta(hours=2)

    error, _ = rejection(lambda: refer(member, clinician, received_at=future))

    assert error.message == (
        "Received time (12 January 2026 20:00 EST) is in the future; enter the "
        "time it happened, no later than now (12 January 2026 18:00 EST)."
    )


def test_referral_less_than_a_minute_ahead_is_accepted(member, clinician):
    referral = refer(member, clinician, received_at=NOW + dt.timedelta(seconds=30))

    assert referral.received_at == NOW + dt.timedelta(seconds=30)


# Referrals: deadlines


def test_referral_opens_its_evaluation_deadline(member, clinician, program):
    referral = refer(member, clinician, kind="step_down")

    deadline = deadline_for(rules.EVALUATION_STEP_DOWN, referral)

    assert deadline.member == member
    assert deadline.program == program
    assert deadline.started_at == RECEIVED_AT
    assert deadline.met_at is None
    assert referral.recorded_at == NOW
    assert AuditEntry.objects.filter(action="referral.recorded").count() == 1


def test_withdrawn_referral_cancels_its_deadline(referral, clinician):
    withdraw_referral(
        referral, reason="Sent to the wrong program", by=clinician.user, as_of=NOW
    )

    deadline = deadline_for(rules.EVALUATION_DIVERSION, referral)
    assert deadline.cancelled_at == NOW
    assert deadline.cancel_reason == "Referral withdrawn: Sent to the wrong program"
    assert state_of(deadline) == State.CANCELLED


def test_withdrawn_referral_cancels_admission_deadline(evaluation, clinician):
    withdraw_referral(
        evaluation.referral, reason="Member moved away", by=clinician.user, as_of=NOW
    )

    deadline = deadline_for(rules.ADMISSION, evaluation)
    evaluation_deadline = deadline_for(rules.EVALUATION_DIVERSION, evaluation.referral)
    assert deadline.cancel_reason == "Referral withdrawn: Member moved away"
    assert evaluation_deadline.met_at == COMPLETED_AT
    assert evaluation_deadline.cancelled_at is None


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_referral_withdrawal_without_reason_is_rejected(reason, referral, clinician):
    error, unchanged = rejection(
        lambda: withdraw_referral(referral, reason=reason, by=clinician.user, as_of=NOW)
    )

    assert error.field == "reason"
    assert error.code == "required"
    assert unchanged


def test_referral_withdrawn_twice_is_rejected(referral, clinician):
    withdraw_referral(referral, reason="Duplicate", by=clinician.user, as_of=NOW)

    error, unchanged = rejection(
        lambda: withdraw_referral(
            referral, reason="Duplicate", by=clinician.user, as_of=NOW
        )
    )

    assert error.code == "already_withdrawn"
    assert unchanged


def test_referral_with_admission_cannot_be_withdrawn(admission, clinician):
    error, unchanged = rejection(
        lambda: withdraw_referral(
            admission.evaluation.referral,
            reason="Duplicate",
            by=clinician.user,
            as_of=NOW,
        )
    )

    assert error.code == "has_admission"
    assert unchanged


# Evaluations: invalid input


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        (
            {"completed_at": RECEIVED_AT - dt.timedelta(minutes=1)},
            "completed_at",
            "before_referral",
        ),
        (
            {"completed_at": NOW + dt.timedelta(minutes=2)},
            "completed_at",
            "in_future",
        ),
        ({"completed_at": None}, "completed_at", "required"),
        ({"outcome": "maybe"}, "outcome", "invalid_choice"),
        ({"evaluated_by": None}, "evaluated_by", "not_program_clinician"),
    ],
    ids=["before-referral", "future", "missing-time", "outcome", "no-evaluator"],
)
def test_invalid_evaluation_is_rejected(changes, field, code, referral, clinician):
    error, unchanged = rejection(lambda: evaluate(referral, clinician, **changes))

    assert error.field == field
    assert error.code == code
    assert unchanged


def test_evaluator_of_another_program_is_rejected(referral, clinician):
    outsider = StaffFactory(program=ProgramFactory())

    error, unchanged = rejection(
        lambda: evaluate(referral, clinician, evaluated_by=outsider)
    )

    assert error.field == "evaluated_by"
    assert error.code == "not_program_clinician"
    assert unchanged


def test_evaluation_without_referral_is_rejected(clinician):
    error, unchanged = rejection(lambda: evaluate(None, clinician))

    assert error.field == "referral"
    assert error.code == "required"
    assert unchanged


def test_evaluation_of_withdrawn_referral_is_rejected(referral, clinician):
    withdraw_referral(referral, reason="Duplicate", by=clinician.user, as_of=NOW)

    error, unchanged = rejection(lambda: evaluate(referral, clinician))

    assert error.field == "referral"
    assert error.code == "withdrawn"
    assert unchanged


def test_second_evaluation_of_a_referral_is_rejected(evaluation, clinician):
    error, unchanged = rejection(lambda: evaluate(evaluation.referral, clinician))

    assert error.field == "referral"
    assert error.code == "already_evaluated"
    assert unchanged


# Evaluations: deadlines


def test_evaluation_meets_referral_deadline_at_completion(referral, clinician):
    evaluation = evaluate(referral, clinician)

    deadline = deadline_for(rules.EVALUATION_DIVERSION, referral)
    assert deadline.met_at == COMPLETED_AT
    assert deadline.met_by == evaluation
    assert state_of(deadline) == State.MET


def test_evaluation_opens_24_hour_admission_deadline(referral, clinician):
    evaluation = evaluate(referral, clinician)

    deadline = deadline_for(rules.ADMISSION, evaluation)
    assert deadline.started_at == COMPLETED_AT
    assert deadline.due_at == COMPLETED_AT + dt.timedelta(hours=24)
    assert deadline.cancelled_at is None


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [
        ("not_admitted", "Evaluation outcome: not admitted"),
        ("referred_elsewhere", "Evaluation outcome: referred elsewhere"),
    ],
)
def test_evaluation_not_admitting_cancels_admission_deadline(
    outcome, reason, referral, clinician
):
    evaluation = evaluate(referral, clinician, outcome=outcome)

    deadline = deadline_for(rules.ADMISSION, evaluation)
    assert deadline.cancelled_at == evaluation.completed_at
    assert deadline.cancel_reason == reason
    assert state_of(deadline) == State.CANCELLED


def test_withdrawn_evaluation_reopens_referral_deadline(evaluation, clinician):
    before = deadline_for(rules.EVALUATION_DIVERSION, evaluation.referral)

    withdraw_evaluation(
        evaluation, reason="Entered on the wrong member", by=clinician.user, as_of=NOW
    )

    after = deadline_for(rules.EVALUATION_DIVERSION, evaluation.referral)
    assert after.pk == before.pk
    assert after.met_at is None
    assert after.met_by_id is None
    assert after.due_at == before.due_at
    assert state_of(after) == State.OPEN


def test_withdrawn_evaluation_audits_the_reopening(evaluation, clinician):
    deadline = deadline_for(rules.EVALUATION_DIVERSION, evaluation.referral)

    withdraw_evaluation(
        evaluation, reason="Entered on the wrong member", by=clinician.user, as_of=NOW
    )

    entry = AuditEntry.objects.get(action="deadline.reopened")
    assert entry.subject_id == deadline.pk
    assert entry.actor == clinician.user
    assert entry.at == NOW
    assert entry.detail == {
        "reason": "Evaluation withdrawn: Entered on the wrong member",
        "previous_met_at": COMPLETED_AT.astimezone(dt.UTC).isoformat(),
        "met_at": None,
    }


def test_withdrawn_evaluation_cancels_its_admission_deadline(evaluation, clinician):
    withdraw_evaluation(
        evaluation, reason="Entered on the wrong member", by=clinician.user, as_of=NOW
    )

    deadline = deadline_for(rules.ADMISSION, evaluation)
    assert deadline.cancel_reason == "Evaluation withdrawn: Entered on the wrong member"


def test_new_evaluation_meets_the_reopened_deadline(evaluation, clinician):
    referral = evaluation.referral
    withdraw_evaluation(
        evaluation, reason="Entered on the wrong member", by=clinician.user, as_of=NOW
    )
    later = dt.datetime(2026, 1, 12, 16, tzinfo=NEW_YORK)

    replacement = evaluate(referral, clinician, completed_at=later)

    deadline = deadline_for(rules.EVALUATION_DIVERSION, referral)
    assert deadline.met_at == later
    assert deadline.met_by == replacement
    assert Deadline.objects.filter(rule=rules.EVALUATION_DIVERSION).count() == 1


def test_evaluation_with_admission_cannot_be_withdrawn(admission, clinician):
    error, unchanged = rejection(
        lambda: withdraw_evaluation(
            admission.evaluation, reason="Wrong", by=clinician.user, as_of=NOW
        )
    )

    assert error.code == "has_admission"
    assert unchanged


# Admissions: invalid input


def test_admission_without_evaluation_is_rejected(clinician):
    error, unchanged = rejection(lambda: admit_at(None, clinician))

    assert error.field == "evaluation"
    assert error.code == "required"
    assert unchanged


def test_admission_before_evaluation_is_rejected(evaluation, clinician):
    early = COMPLETED_AT - dt.timedelta(minutes=1)

    error, unchanged = rejection(lambda: admit_at(evaluation, clinician, early))

    assert error.field == "admitted_at"
    assert error.code == "before_evaluation"
    assert unchanged


def test_admission_in_the_future_is_rejected(evaluation, clinician):
    future = NOW + dt.timedelta(minutes=2)

    error, unchanged = rejection(lambda: admit_at(evaluation, clinician, future))

    assert error.field == "admitted_at"
    assert error.code == "in_future"
    assert unchanged


def test_admission_after_non_admit_outcome_is_rejected(referral, clinician):
    evaluation = evaluate(referral, clinician, outcome="not_admitted")

    error, unchanged = rejection(lambda: admit_at(evaluation, clinician))

    assert error.field == "evaluation"
    assert error.code == "not_admit_outcome"
    assert unchanged


def test_admission_from_withdrawn_evaluation_is_rejected(evaluation, clinician):
    withdraw_evaluation(evaluation, reason="Wrong", by=clinician.user, as_of=NOW)

    error, unchanged = rejection(lambda: admit_at(evaluation, clinician))

    assert error.field == "evaluation"
    assert error.code == "withdrawn"
    assert unchanged


def test_second_open_admission_is_rejected(evaluation, member, clinician):
    second_referral = make_referral(
        member, received_at=RECEIVED_AT + dt.timedelta(minutes=5), by=clinician
    )
    second_evaluation = make_evaluation(
        second_referral, completed_at=COMPLETED_AT, by=clinician
    )
    admission = admit_at(evaluation, clinician)

    error, unchanged = rejection(lambda: admit_at(second_evaluation, clinician))

    assert error.field == "evaluation"
    assert error.code == "open_admission_exists"
    assert f"#{admission.pk}" in error.message
    assert unchanged


def test_referral_for_admitted_member_is_rejected(admission, member, clinician):
    error, unchanged = rejection(
        lambda: make_referral(member, received_at=NOW, by=clinician, as_of=NOW)
    )

    assert error.field == "member"
    assert error.code == "open_admission_exists"
    assert unchanged


def test_admit_outcome_for_admitted_member_is_rejected(member, clinician):
    referral = make_referral(member, received_at=RECEIVED_AT, by=clinician)
    second = make_referral(
        member, received_at=RECEIVED_AT + dt.timedelta(minutes=5), by=clinician
    )
    admit_at(
        make_evaluation(referral, completed_at=COMPLETED_AT, by=clinician), clinician
    )

    error, unchanged = rejection(
        lambda: make_evaluation(second, completed_at=NOW, by=clinician, as_of=NOW)
    )

    assert error.field == "outcome"
    assert error.code == "open_admission_exists"
    assert unchanged


def test_identical_referral_is_rejected_as_duplicate(member, clinician):
    make_referral(member, received_at=RECEIVED_AT, by=clinician)

    error, unchanged = rejection(
        lambda: make_referral(member, received_at=RECEIVED_AT, by=clinician)
    )

    assert error.field == "received_at"
    assert error.code == "duplicate"
    assert unchanged


def test_evaluation_cannot_lead_to_two_admissions(admission, clinician):
    discharge(admission, at=ADMITTED_AT + dt.timedelta(hours=1), by=clinician)

    error, unchanged = rejection(lambda: admit_at(admission.evaluation, clinician))

    assert error.field == "evaluation"
    assert error.code == "already_admitted"
    assert unchanged


@pytest.mark.django_db(transaction=True)
def test_concurrent_admissions_admit_one(member, clinician):
    evaluations = []
    for minutes in range(2):
        received_at = RECEIVED_AT + dt.timedelta(minutes=minutes)
        referral = make_referral(member, received_at=received_at, by=clinician)
        evaluations.append(
            make_evaluation(referral, completed_at=COMPLETED_AT, by=clinician)
        )
    pending = list(evaluations)

    results, errors = run_at_once(lambda: admit_at(pending.pop(), clinician), 2)

    admitted = [result for result in results if result is not None]
    rejected = [error for error in errors if error is not None]
    assert len(admitted) == 1
    assert len(rejected) == 1
    assert isinstance(rejected[0], ServiceError)
    assert rejected[0].code == "open_admission_exists"
    assert Admission.objects.filter(member=member).count() == 1
    assert Deadline.objects.filter(rule=rules.TEAM_ASSIGNMENT).count() == 1


# Admissions: deadlines


def test_admission_meets_deadline_and_opens_team_deadline(evaluation, clinician):
    admission = admit_at(evaluation, clinician)

    admission_deadline = deadline_for(rules.ADMISSION, evaluation)
    team_deadline = deadline_for(rules.TEAM_ASSIGNMENT, admission)
    assert admission_deadline.met_at == ADMITTED_AT
    assert admission_deadline.met_by == admission
    assert team_deadline.started_at == ADMITTED_AT
    assert team_deadline.due_at == ADMITTED_AT + dt.timedelta(hours=24)


def test_withdrawn_admission_reopens_admission_deadline(admission, clinician):
    withdraw_admission(admission, reason="Wrong member", by=clinician.user, as_of=NOW)

    admission_deadline = deadline_for(rules.ADMISSION, admission.evaluation)
    team_deadline = deadline_for(rules.TEAM_ASSIGNMENT, admission)
    assert admission_deadline.met_at is None
    assert team_deadline.cancel_reason == "Admission withdrawn: Wrong member"
    assert Admission.objects.get(pk=admission.pk).closed_at == NOW


def test_withdrawn_admission_allows_a_new_one(admission, clinician):
    withdraw_admission(admission, reason="Wrong time", by=clinician.user, as_of=NOW)
    corrected = dt.datetime(2026, 1, 12, 15, tzinfo=NEW_YORK)

    second = admit_at(admission.evaluation, clinician, corrected)

    deadline = deadline_for(rules.ADMISSION, admission.evaluation)
    assert deadline.met_at == corrected
    assert deadline.met_by == second


# A program on Pacific time


def test_pacific_referral_due_at_pacific_end_of_next_day(db):
    program = ProgramFactory(timezone="America/Los_Angeles")
    clinician = StaffFactory(program=program)
    member = MemberFactory(program=program)
    received_at = dt.datetime(2026, 1, 12, 22, 30, tzinfo=LOS_ANGELES)

    referral = refer(member, clinician, received_at=received_at, as_of=received_at)

    deadline = deadline_for(rules.EVALUATION_DIVERSION, referral)
    expected = dt.datetime(2026, 1, 13, 23, 59, 59, 999999, tzinfo=LOS_ANGELES)
    assert deadline.due_at == expected


def test_pacific_admission_message_shows_pacific_time(db):
    program = ProgramFactory(timezone="America/Los_Angeles")
    clinician = StaffFactory(program=program)
    member = MemberFactory(program=program)
    completed_at = dt.datetime(2026, 1, 12, 10, tzinfo=LOS_ANGELES)
    referral = make_referral(
        member, received_at=completed_at - dt.timedelta(hours=1), by=clinician
    )
    evaluation = make_evaluation(referral, completed_at=completed_at, by=clinician)

    error, _ = rejection(
        lambda: admit_member(
            evaluation,
            admitted_at=completed_at - dt.timedelta(hours=1),
            by=clinician.user,
            as_of=completed_at,
        )
    )

    assert "(12 January 2026 09:00 PST)" in error.message
    assert "(12 January 2026 10:00 PST)" in error.message


def test_admit_helper_builds_the_whole_chain(member, clinician):
    admission = admit(member, at=ADMITTED_AT, by=clinician)

    states = dict(
        with_state(Deadline.objects.filter(member=member), NOW).values_list(
            "rule", "state"
        )
    )

    assert admission.admitted_at == ADMITTED_AT
    assert states == {
        rules.EVALUATION_DIVERSION: State.MET,
        rules.ADMISSION: State.MET,
        rules.TEAM_ASSIGNMENT: State.OPEN,
    }
