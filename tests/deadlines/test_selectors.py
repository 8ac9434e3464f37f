"""The dashboard's queries: deadlines needing attention, and counts per rule."""

import datetime as dt
import itertools
import zoneinfo

from deadlines import rules
from deadlines.models import Deadline, State
from deadlines.selectors import attention_deadlines, counts_by_rule, filter_state
from referrals.services import withdraw_referral
from tests.factories import (
    MemberFactory,
    ProgramFactory,
    StaffFactory,
    make_evaluation,
    make_referral,
)

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# Referrals received at these times are due at the end of the next day.
MONDAY = dt.datetime(2026, 1, 12, 10, tzinfo=NEW_YORK)
TUESDAY = dt.datetime(2026, 1, 13, 10, tzinfo=NEW_YORK)
WEDNESDAY = dt.datetime(2026, 1, 14, 10, tzinfo=NEW_YORK)
# Monday's referral is overdue, Tuesday's due soon, Wednesday's open.
AS_OF = dt.datetime(2026, 1, 14, 12, tzinfo=NEW_YORK)


_seconds = itertools.count()


def refer(member, clinician, received_at):
    # Seconds apart, since an identical referral is rejected as a duplicate.
    received_at -= dt.timedelta(seconds=next(_seconds) % 60)
    return make_referral(member, received_at=received_at, by=clinician)


def test_attention_lists_overdue_then_due_soon(member, clinician, program):
    overdue = refer(member, clinician, MONDAY)
    due_soon = refer(member, clinician, TUESDAY)
    refer(member, clinician, WEDNESDAY)

    rows = list(attention_deadlines(program, AS_OF))

    assert [row.subject_id for row in rows] == [overdue.pk, due_soon.pk]
    assert [row.state for row in rows] == [State.OVERDUE, State.DUE_SOON]


def test_attention_leaves_out_met_and_cancelled(member, clinician, program):
    met = refer(member, clinician, MONDAY)
    make_evaluation(met, completed_at=MONDAY, by=clinician, outcome="not_admitted")
    cancelled = refer(member, clinician, MONDAY)
    withdraw_referral(cancelled, reason="Duplicate", by=clinician.user, as_of=MONDAY)

    rows = list(attention_deadlines(program, AS_OF))

    assert rows == []


def test_attention_leaves_out_other_programs(member, clinician, program):
    other_program = ProgramFactory()
    refer(
        MemberFactory(program=other_program),
        StaffFactory(program=other_program),
        MONDAY,
    )

    rows = list(attention_deadlines(program, AS_OF))

    assert rows == []


def test_attention_takes_one_query(
    member, clinician, program, django_assert_num_queries
):
    for received_at in (MONDAY, MONDAY, TUESDAY):
        refer(member, clinician, received_at)

    with django_assert_num_queries(1):
        members = [row.member.last_name for row in attention_deadlines(program, AS_OF)]

    assert len(members) == 3


def test_counts_by_rule_counts_each_state(member, clinician, program):
    refer(member, clinician, MONDAY)
    refer(member, clinician, MONDAY)
    refer(member, clinician, TUESDAY)
    met = refer(member, clinician, WEDNESDAY)
    make_evaluation(met, completed_at=WEDNESDAY, by=clinician, outcome="not_admitted")

    counts = counts_by_rule(program, AS_OF)

    assert counts == {
        rules.EVALUATION_DIVERSION: {
            State.OVERDUE: 2,
            State.DUE_SOON: 1,
            State.MET: 1,
        },
        rules.ADMISSION: {State.CANCELLED: 1},
    }


def test_filter_state_matches_the_annotation(member, clinician):
    refer(member, clinician, MONDAY)
    refer(member, clinician, TUESDAY)
    refer(member, clinician, WEDNESDAY)

    for state in (State.OVERDUE, State.DUE_SOON, State.OPEN):
        rows = filter_state(Deadline.objects.all(), state, AS_OF)
        assert rows.count() == 1, state
