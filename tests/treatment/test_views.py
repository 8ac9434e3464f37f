import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from deadlines.models import Deadline
from iop.choices import Role
from treatment import services
from treatment.models import CareTeamAssignment

from ..factories import (
    MemberFactory,
    ProgramFactory,
    StaffFactory,
    admit,
    assign,
    discharge,
)

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admission(member, clinician):
    return admit(member, at=NOW - dt.timedelta(hours=3), by=clinician)


def test_team_of_two_disciplines_meets_the_team_deadline(
    clinician_client, clinician, nurse, admission
):
    url = reverse("team-assignment-new", args=[admission.pk])

    clinician_client.post(
        url, {"staff": clinician.pk, "assigned_at": "2026-03-10T09:00"}
    )
    response = clinician_client.post(
        url, {"staff": nurse.pk, "assigned_at": "2026-03-10T10:00"}
    )

    deadline = Deadline.objects.get(rule="team_assignment")
    assert response.status_code == 302
    assert deadline.met_at == dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)


def test_team_same_person_twice_marked_at_staff(clinician_client, clinician, admission):
    assign(admission, clinician, at=NOW - dt.timedelta(hours=2), by=clinician)

    response = clinician_client.post(
        reverse("team-assignment-new", args=[admission.pk]),
        {"staff": clinician.pk, "assigned_at": "2026-03-10T10:00", "team_role": "x"},
    )

    form = response.context["form"]
    assert form.has_error("staff", "already_on_team")
    assert 'value="x"' in response.content.decode()
    assert CareTeamAssignment.objects.count() == 1


def test_team_form_rejects_staff_of_other_program(clinician_client, admission):
    outsider = StaffFactory(program=ProgramFactory())

    response = clinician_client.post(
        reverse("team-assignment-new", args=[admission.pk]),
        {"staff": outsider.pk, "assigned_at": "2026-03-10T10:00"},
    )

    assert response.context["form"].has_error("staff", "invalid_choice")
    assert not CareTeamAssignment.objects.exists()


def test_end_team_assignment_sets_end_time(clinician_client, clinician, admission):
    assignment = assign(
        admission, clinician, at=NOW - dt.timedelta(hours=2), by=clinician
    )

    response = clinician_client.post(
        reverse("team-assignment-end", args=[assignment.pk]),
        {"ended_at": "2026-03-10T10:30", "reason": "Moved to another program"},
    )

    assignment.refresh_from_db()
    assert response.status_code == 302
    assert assignment.ended_at == dt.datetime(2026, 3, 10, 14, 30, tzinfo=dt.UTC)


def test_withdraw_team_assignment_reopens_the_team_deadline(
    clinician_client, clinician, nurse, admission
):
    assign(admission, clinician, at=NOW - dt.timedelta(hours=2), by=clinician)
    second = assign(admission, nurse, at=NOW - dt.timedelta(hours=1), by=clinician)

    clinician_client.post(
        reverse("team-assignment-withdraw", args=[second.pk]),
        {"reason": "Wrong nurse"},
    )

    assert Deadline.objects.get(rule="team_assignment").met_at is None


def test_team_page_of_other_program_is_403(clinician_client, db):
    other_program = ProgramFactory()
    other_staff = StaffFactory(program=other_program)
    other_admission = admit(
        MemberFactory(program=other_program), at=NOW, by=other_staff
    )

    response = clinician_client.get(
        reverse("team-assignment-new", args=[other_admission.pk])
    )

    assert response.status_code == 403


def test_team_form_offers_clinical_staff(
    clinician_client, clinician, nurse, psychiatrist, director, qm, admission
):
    StaffFactory(program=clinician.program, role=Role.ADMINISTRATOR)
    StaffFactory(program=clinician.program, is_active=False)

    response = clinician_client.get(reverse("team-assignment-new", args=[admission.pk]))

    offered = set(response.context["form"].fields["staff"].queryset)
    assert offered == {clinician, nurse, psychiatrist, director}


def test_team_form_rejects_qm_staff(clinician_client, qm, admission):
    response = clinician_client.post(
        reverse("team-assignment-new", args=[admission.pk]),
        {"staff": qm.pk, "assigned_at": "2026-03-10T10:00"},
    )

    form = response.context["form"]
    assert form.has_error("staff", "invalid_choice")
    assert form.errors["staff"] == [
        "Staff member is not one of the listed options; choose one of them."
    ]
    assert not CareTeamAssignment.objects.exists()


def test_closed_admission_hides_team_changes(clinician_client, clinician, admission):
    assignment = assign(
        admission, clinician, at=NOW - dt.timedelta(hours=2), by=clinician
    )
    discharge(admission, at=NOW - dt.timedelta(hours=1), by=clinician)

    response = clinician_client.get(
        reverse("member-detail", args=[admission.member_id])
    )

    content = response.content.decode()
    assert reverse("team-assignment-new", args=[admission.pk]) not in content
    assert reverse("team-assignment-end", args=[assignment.pk]) not in content
    assert reverse("team-assignment-withdraw", args=[assignment.pk]) in content


def test_open_admission_offers_team_changes(clinician_client, clinician, admission):
    assignment = assign(
        admission, clinician, at=NOW - dt.timedelta(hours=2), by=clinician
    )

    response = clinician_client.get(
        reverse("member-detail", args=[admission.member_id])
    )

    content = response.content.decode()
    assert reverse("team-assignment-new", args=[admission.pk]) in content
    assert reverse("team-assignment-end", args=[assignment.pk]) in content


def test_withdrawn_assignment_page_redirects(clinician_client, clinician, admission):
    assignment = assign(
        admission, clinician, at=NOW - dt.timedelta(hours=2), by=clinician
    )
    services.withdraw_team_assignment(
        assignment, reason="Wrong person", by=clinician.user
    )
    url = reverse("team-assignment-withdraw", args=[assignment.pk])

    response = clinician_client.get(url, follow=True)

    assert response.redirect_chain == [
        (reverse("member-detail", args=[admission.member_id]), 302)
    ]
    assert [str(message) for message in response.context["messages"]] == [
        f"Care team assignment #{assignment.pk} is already withdrawn."
    ]
