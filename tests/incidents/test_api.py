import datetime as dt

import pytest

from deadlines.models import Deadline
from incidents.models import AdverseIncident
from iop.choices import Discipline, Role

from ..api_helpers import NOW, client_for, error_codes, iso, row_counts
from ..factories import StaffFactory, make_incident

HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def fixed_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def quality_staff(program):
    return StaffFactory(
        program=program,
        role=Role.QM,
        discipline=Discipline.OTHER,
        credentials="",
        is_independently_licensed=False,
    )


@pytest.fixture
def api(quality_staff):
    return client_for(quality_staff)


def incident_payload(member, **changes):
    return {
        "member": member.pk,
        "kind": "elopement",
        "occurred_at": iso(NOW - 3 * HOUR),
        "discovered_at": iso(NOW - 2 * HOUR),
        "description": "Left the group room without staff.",
        **changes,
    }


def report_deadline(incident_id):
    return Deadline.objects.get(rule="incident_report", subject_id=incident_id)


def test_qm_can_post_incident(api, member, quality_staff):
    response = api.post("/api/incidents/", incident_payload(member), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["recorded_by"] == quality_staff.user.pk
    assert body["reported_to_plan_at"] is None
    assert report_deadline(body["id"]).met_at is None


def test_incident_with_report_time_meets_deadline(api, member, quality_staff):
    payload = incident_payload(member, reported_to_plan_at=iso(NOW - HOUR))

    response = api.post("/api/incidents/", payload, format="json")

    assert response.status_code == 201
    assert response.json()["reported_by"] == quality_staff.user.pk
    assert report_deadline(response.json()["id"]).met_at == NOW - HOUR


def test_incident_in_future_is_rejected(api, member):
    before = row_counts()

    response = api.post(
        "/api/incidents/",
        incident_payload(member, occurred_at=iso(NOW + HOUR)),
        format="json",
    )

    assert response.status_code == 400
    assert error_codes(response, "occurred_at") == ["in_future"]
    assert row_counts() == before


def test_discovery_before_occurrence_is_rejected(api, member):
    before = row_counts()

    response = api.post(
        "/api/incidents/",
        incident_payload(member, discovered_at=iso(NOW - 4 * HOUR)),
        format="json",
    )

    assert response.status_code == 400
    assert "discovered_at" in response.json()
    assert row_counts() == before


def test_incident_with_naive_time_is_rejected(api, member):
    before = row_counts()

    response = api.post(
        "/api/incidents/",
        incident_payload(member, occurred_at="2026-03-10T08:00:00"),
        format="json",
    )

    assert response.status_code == 400
    assert "occurred_at" in response.json()
    assert row_counts() == before


def test_incident_reported_by_is_rejected(api, member, clinician):
    payload = incident_payload(member, reported_by=clinician.user.pk)
    before = row_counts()

    response = api.post("/api/incidents/", payload, format="json")

    assert response.status_code == 400
    assert error_codes(response, "reported_by") == ["read_only"]
    assert row_counts() == before


def test_incident_description_over_limit_is_rejected(api, member):
    payload = incident_payload(member, description="x" * 10_001)
    before = row_counts()

    response = api.post("/api/incidents/", payload, format="json")

    assert response.status_code == 400
    assert error_codes(response, "description") == ["max_length"]
    assert response.json()["description"] == [
        "description is longer than 10000 characters; shorten it to 10000 "
        "characters or fewer."
    ]
    assert row_counts() == before


def test_incident_description_at_limit_is_accepted(api, member):
    payload = incident_payload(member, description="x" * 10_000)

    response = api.post("/api/incidents/", payload, format="json")

    assert response.status_code == 201


def test_missing_incident_404_names_no_model(api):
    response = api.get("/api/incidents/999999/")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "Adverse incident #999999 was not found in your program; "
        "check the id."
    }


def test_report_to_plan_rejects_unknown_key(api, member, clinician):
    incident = make_incident(member, occurred_at=NOW - 3 * HOUR, by=clinician)
    before = row_counts()

    response = api.post(
        f"/api/incidents/{incident.pk}/report-to-plan/",
        {"reported_to_plan_at": iso(NOW - HOUR), "reported_by": 1},
        format="json",
    )

    assert response.status_code == 400
    assert error_codes(response, "reported_by") == ["unknown_field"]
    assert row_counts() == before


def test_report_to_plan_meets_deadline(api, member, clinician):
    incident = make_incident(member, occurred_at=NOW - 3 * HOUR, by=clinician)

    response = api.post(
        f"/api/incidents/{incident.pk}/report-to-plan/",
        {"reported_to_plan_at": iso(NOW - HOUR)},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["reported_to_plan_at"] == "2026-03-10T14:00:00Z"
    assert report_deadline(incident.pk).met_at == NOW - HOUR


def test_report_to_plan_requires_time(api, member, clinician):
    incident = make_incident(member, occurred_at=NOW - 3 * HOUR, by=clinician)
    before = row_counts()

    response = api.post(
        f"/api/incidents/{incident.pk}/report-to-plan/", {}, format="json"
    )

    assert response.status_code == 400
    assert "reported_to_plan_at" in response.json()
    assert row_counts() == before


def test_withdrawal_cancels_report_deadline(api, member, clinician):
    incident = make_incident(member, occurred_at=NOW - 3 * HOUR, by=clinician)

    response = api.post(
        f"/api/incidents/{incident.pk}/withdraw/",
        {"reason": "Recorded for the wrong member"},
        format="json",
    )

    assert response.status_code == 200
    deadline = report_deadline(incident.pk)
    assert deadline.cancelled_at == NOW
    assert deadline.cancel_reason == "Incident withdrawn: Recorded for the wrong member"


def test_withdrawal_requires_reason(api, member, clinician):
    incident = make_incident(member, occurred_at=NOW - 3 * HOUR, by=clinician)
    before = row_counts()

    response = api.post(f"/api/incidents/{incident.pk}/withdraw/", {}, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()
    assert row_counts() == before
    assert AdverseIncident.objects.get(pk=incident.pk).withdrawn_at is None


def test_incident_list_query_count(
    api, member, clinician, django_assert_max_num_queries
):
    for hours_ago in range(2, 10):
        make_incident(member, occurred_at=NOW - hours_ago * HOUR, by=clinician)

    # 6 to list, 1 to load the member that the list's audit entry names.
    with django_assert_max_num_queries(7):
        response = api.get("/api/incidents/", {"member": member.pk})

    assert response.json()["count"] == 8
