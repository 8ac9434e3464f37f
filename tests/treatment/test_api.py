import datetime as dt

import pytest

from deadlines.models import Deadline
from treatment.models import CareTeamAssignment

from ..api_helpers import NOW, client_for, error_codes, iso, row_counts
from ..factories import MemberFactory, ProgramFactory, StaffFactory, admit, assign

HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def fixed_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def api(clinician):
    return client_for(clinician)


@pytest.fixture
def admission(member, clinician):
    return admit(member, at=NOW - 6 * HOUR, by=clinician)


def team_deadline(admission):
    return Deadline.objects.get(rule="team_assignment", subject_id=admission.pk)


def assignment_payload(admission, staff, assigned_at):
    return {
        "admission": admission.pk,
        "staff": staff.pk,
        "assigned_at": iso(assigned_at),
    }


def test_team_member_copies_discipline(api, admission, nurse):
    response = api.post(
        "/api/team-members/",
        assignment_payload(admission, nurse, NOW - HOUR),
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["discipline"] == "nursing"
    assert body["is_independently_licensed"] is False
    assert body["member"] == admission.member_id


def test_valid_team_meets_team_deadline(api, admission, clinician, nurse):
    api.post(
        "/api/team-members/",
        assignment_payload(admission, clinician, NOW - 3 * HOUR),
        format="json",
    )
    api.post(
        "/api/team-members/",
        assignment_payload(admission, nurse, NOW - 2 * HOUR),
        format="json",
    )

    assert team_deadline(admission).met_at == NOW - 2 * HOUR


def test_team_of_one_does_not_meet_deadline(api, admission, clinician):
    api.post(
        "/api/team-members/",
        assignment_payload(admission, clinician, NOW - HOUR),
        format="json",
    )

    assert team_deadline(admission).met_at is None


def test_assignment_before_admission_is_rejected(api, admission, nurse):
    before = row_counts()

    response = api.post(
        "/api/team-members/",
        assignment_payload(admission, nurse, admission.admitted_at - HOUR),
        format="json",
    )

    assert response.status_code == 400
    assert "assigned_at" in response.json()
    assert row_counts() == before


def test_other_programs_staff_is_rejected(api, admission):
    outsider = StaffFactory(program=ProgramFactory())
    before = row_counts()

    response = api.post(
        "/api/team-members/",
        assignment_payload(admission, outsider, NOW - HOUR),
        format="json",
    )

    assert response.status_code == 400
    assert "does not exist" in response.json()["staff"][0]
    assert row_counts() == before


@pytest.mark.parametrize(
    "field, value", [("discipline", "psychiatry"), ("is_independently_licensed", True)]
)
def test_team_member_copied_field_is_rejected(api, admission, nurse, field, value):
    payload = {**assignment_payload(admission, nurse, NOW - HOUR), field: value}
    before = row_counts()

    response = api.post("/api/team-members/", payload, format="json")

    assert response.status_code == 400
    assert error_codes(response, field) == ["read_only"]
    assert row_counts() == before


def test_end_keeps_met_team_deadline(api, admission, clinician, nurse):
    assign(admission, clinician, at=NOW - 5 * HOUR, by=clinician)
    nurse_assignment = assign(admission, nurse, at=NOW - 4 * HOUR, by=clinician)

    response = api.post(
        f"/api/team-members/{nurse_assignment.pk}/end/",
        {"ended_at": iso(NOW - HOUR), "reason": "Shift change"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["ended_at"] == "2026-03-10T14:00:00Z"
    assert response.json()["end_reason"] == "Shift change"
    assert team_deadline(admission).met_at == NOW - 4 * HOUR


def test_end_requires_reason(api, admission, clinician):
    assignment = assign(admission, clinician, at=NOW - 5 * HOUR, by=clinician)
    before = row_counts()

    response = api.post(
        f"/api/team-members/{assignment.pk}/end/",
        {"ended_at": iso(NOW - HOUR)},
        format="json",
    )

    assert response.status_code == 400
    assert "reason" in response.json()
    assert row_counts() == before


def test_end_rejects_unknown_key(api, admission, clinician):
    assignment = assign(admission, clinician, at=NOW - 5 * HOUR, by=clinician)
    before = row_counts()

    response = api.post(
        f"/api/team-members/{assignment.pk}/end/",
        {"ended_at": iso(NOW - HOUR), "reason": "Shift change", "end_reason": "x"},
        format="json",
    )

    assert response.status_code == 400
    assert error_codes(response, "end_reason") == ["unknown_field"]
    assert response.json()["end_reason"] == [
        "end_reason is not a field of this request; remove it. Fields you can "
        "send: ended_at, reason."
    ]
    assert row_counts() == before


def test_end_with_naive_time_is_rejected(api, admission, clinician):
    assignment = assign(admission, clinician, at=NOW - 5 * HOUR, by=clinician)

    response = api.post(
        f"/api/team-members/{assignment.pk}/end/",
        {"ended_at": "2026-03-10T10:00:00", "reason": "Shift change"},
        format="json",
    )

    assert response.status_code == 400
    assert "ended_at" in response.json()
    assert CareTeamAssignment.objects.get(pk=assignment.pk).ended_at is None


def test_withdrawal_reopens_team_deadline(api, admission, clinician, nurse):
    assign(admission, clinician, at=NOW - 5 * HOUR, by=clinician)
    nurse_assignment = assign(admission, nurse, at=NOW - 4 * HOUR, by=clinician)

    response = api.post(
        f"/api/team-members/{nurse_assignment.pk}/withdraw/",
        {"reason": "Wrong person"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["withdrawal_reason"] == "Wrong person"
    assert team_deadline(admission).met_at is None


def test_withdrawal_requires_reason(api, admission, clinician):
    assignment = assign(admission, clinician, at=NOW - 5 * HOUR, by=clinician)
    before = row_counts()

    response = api.post(
        f"/api/team-members/{assignment.pk}/withdraw/", {"reason": ""}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["reason"] == [
        "Reason is missing; say why the record is withdrawn."
    ]
    assert row_counts() == before


def test_team_member_list_filters_by_admission(
    api, admission, clinician, nurse, django_assert_max_num_queries
):
    assign(admission, clinician, at=NOW - 5 * HOUR, by=clinician)
    assign(admission, nurse, at=NOW - 4 * HOUR, by=clinician)
    other_admission = admit(
        MemberFactory(program=clinician.program), at=NOW - 3 * HOUR, by=clinician
    )
    for staff in StaffFactory.create_batch(4, program=clinician.program):
        assign(other_admission, staff, at=NOW - 2 * HOUR, by=clinician)

    with django_assert_max_num_queries(6):
        response = api.get("/api/team-members/", {"admission": admission.pk})

    assert response.json()["count"] == 2
