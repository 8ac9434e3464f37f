import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from ..factories import (
    MemberFactory,
    ProgramFactory,
    StaffFactory,
    admit,
    assign,
    make_evaluation,
    make_referral,
)

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def director_client(client, director):
    client.force_login(director.user)
    return client


def test_dashboard_lists_overdue_deadline_with_member_link(
    director_client, director, clinician, member
):
    # Received Saturday 7 March 10:00 EST, due end of Sunday 8 March EDT.
    make_referral(member, received_at=NOW - dt.timedelta(days=3), by=clinician)

    response = director_client.get(reverse("dashboard"))

    content = response.content.decode()
    [deadline] = response.context["overdue"]
    assert deadline.member == member
    assert reverse("member-detail", args=[member.pk]) in content
    assert "Evaluation within 1 day (diversion)" in content
    assert "8 March 2026 23:59 EDT" in content
    assert "Overdue by 1 day 11 h" in content


def test_dashboard_lists_due_soon_deadline_with_time_left(
    director_client, clinician, member
):
    referral = make_referral(
        member, received_at=NOW - dt.timedelta(hours=5), by=clinician
    )
    # Completed 13:00 UTC: the admission is due 13:00 UTC tomorrow.
    make_evaluation(referral, completed_at=NOW - dt.timedelta(hours=2), by=clinician)

    with time_machine.travel(NOW + dt.timedelta(hours=20, minutes=40), tick=False):
        response = director_client.get(reverse("dashboard"))

    [deadline] = response.context["due_soon"]
    assert deadline.rule == "admission"
    assert "1 h 20 min left" in response.content.decode()
    assert response.context["overdue"] == []


def test_dashboard_counts_per_rule_and_state(director_client, clinician, nurse, member):
    admission = admit(member, at=NOW - dt.timedelta(hours=30), by=clinician)
    assign(admission, clinician, at=NOW - dt.timedelta(hours=29), by=clinician)
    assign(admission, nurse, at=NOW - dt.timedelta(hours=2), by=clinician)
    make_referral(
        MemberFactory(program=member.program),
        received_at=NOW - dt.timedelta(hours=1),
        by=clinician,
    )

    response = director_client.get(reverse("dashboard"))

    rows = {row["title"]: row for row in response.context["count_rows"]}
    # Columns: met, met late, overdue, due soon, open, cancelled.
    assert rows["Evaluation within 1 day (diversion)"]["cells"] == [1, 0, 0, 0, 1, 0]
    assert rows["Care team within 24 hours of admission"]["cells"] == [0, 1, 0, 0, 0, 0]
    assert rows["Care team within 24 hours of admission"]["on_time_percent"] == 0
    assert rows["Admission within 24 hours of evaluation"]["on_time_percent"] == 100
    assert rows["Aftercare appointment within 7 days"]["on_time_percent"] is None


def test_dashboard_census_counts_open_admissions(director_client, clinician, program):
    for _ in range(3):
        admit(
            MemberFactory(program=program), at=NOW - dt.timedelta(days=1), by=clinician
        )

    response = director_client.get(reverse("dashboard"))

    assert response.context["census"] == 3


def test_dashboard_shows_only_own_program(director_client, member, clinician):
    other_program = ProgramFactory()
    outsider = StaffFactory(program=other_program)
    make_referral(
        MemberFactory(program=other_program),
        received_at=NOW - dt.timedelta(days=3),
        by=outsider,
    )

    response = director_client.get(reverse("dashboard"))

    assert response.context["overdue"] == []
    assert response.context["census"] == 0


def test_dashboard_query_count_does_not_grow_with_deadlines(
    director_client, clinician, program, django_assert_max_num_queries
):
    for days_ago in range(1, 16):
        make_referral(
            MemberFactory(program=program),
            received_at=NOW - dt.timedelta(days=days_ago),
            by=clinician,
        )

    # Session, user, staff, program, overdue, due soon, counts, census.
    # 8 to read the page, 1 to write its audit entry.
    with django_assert_max_num_queries(9):
        response = director_client.get(reverse("dashboard"))

    assert len(response.context["overdue"]) >= 13


def test_any_role_may_view_the_dashboard(client, qm):
    client.force_login(qm.user)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 200
