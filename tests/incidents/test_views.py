import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from deadlines.models import Deadline
from incidents.models import AdverseIncident

from ..factories import MemberFactory, ProgramFactory, StaffFactory, make_incident

# A Tuesday.
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def incident_data(**overrides):
    data = {
        "kind": "elopement",
        "occurred_at": "2026-03-10T08:00",
        "discovered_at": "2026-03-10T08:15",
        "description": "Left the group room without telling staff.",
    }
    data.update(overrides)
    return data


def test_qm_records_an_incident(client, qm, member):
    client.force_login(qm.user)

    response = client.post(reverse("incident-new", args=[member.pk]), incident_data())

    incident = AdverseIncident.objects.get()
    assert response.status_code == 302
    assert incident.recorded_by == qm.user
    assert Deadline.objects.get().rule == "incident_report"


def test_incident_discovered_before_occurrence_marked(clinician_client, member):
    response = clinician_client.post(
        reverse("incident-new", args=[member.pk]),
        incident_data(discovered_at="2026-03-10T07:00"),
    )

    form = response.context["form"]
    content = response.content.decode()
    assert list(form.errors) == ["discovered_at"]
    assert "Left the group room without telling staff." in content
    assert not AdverseIncident.objects.exists()


def test_incident_form_leaves_report_time_empty(clinician_client, member):
    response = clinician_client.get(reverse("incident-new", args=[member.pk]))

    form = response.context["form"]
    assert form["reported_to_plan_at"].value() is None
    assert form["occurred_at"].value() is not None


def test_report_to_plan_meets_the_deadline(client, qm, clinician, member):
    incident = make_incident(
        member, occurred_at=NOW - dt.timedelta(hours=5), by=clinician
    )
    client.force_login(qm.user)

    response = client.post(
        reverse("incident-report", args=[incident.pk]),
        {"reported_to_plan_at": "2026-03-10T10:00"},
    )

    deadline = Deadline.objects.get()
    assert response.status_code == 302
    assert deadline.met_at == dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)


def test_second_report_shows_error_at_report_time(clinician_client, clinician, member):
    incident = make_incident(
        member, occurred_at=NOW - dt.timedelta(hours=5), by=clinician
    )
    url = reverse("incident-report", args=[incident.pk])
    clinician_client.post(url, {"reported_to_plan_at": "2026-03-10T10:00"})

    response = clinician_client.post(url, {"reported_to_plan_at": "2026-03-10T10:30"})

    form = response.context["form"]
    assert form.has_error("reported_to_plan_at", "already_reported")


def test_incident_list_shows_own_program_with_deadline_state(
    clinician_client, clinician, member, django_assert_max_num_queries
):
    for hours in (5, 6, 7):
        make_incident(member, occurred_at=NOW - dt.timedelta(hours=hours), by=clinician)
    other_program = ProgramFactory()
    outsider = StaffFactory(program=other_program)
    make_incident(
        MemberFactory(program=other_program),
        occurred_at=NOW - dt.timedelta(hours=5),
        by=outsider,
    )

    # 7 to read the page, 1 to write its audit entry.
    with django_assert_max_num_queries(8):
        response = clinician_client.get(reverse("incident-list"))

    incidents = list(response.context["page"])
    assert len(incidents) == 3
    assert all(incident.deadline.state == "open" for incident in incidents)


def test_withdraw_incident_of_other_program_is_403(clinician_client, db):
    other_program = ProgramFactory()
    outsider = StaffFactory(program=other_program)
    incident = make_incident(
        MemberFactory(program=other_program),
        occurred_at=NOW - dt.timedelta(hours=5),
        by=outsider,
    )

    response = clinician_client.post(
        reverse("incident-withdraw", args=[incident.pk]), {"reason": "Wrong"}
    )

    incident.refresh_from_db()
    assert response.status_code == 403
    assert not incident.is_withdrawn
