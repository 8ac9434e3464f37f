import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from deadlines.models import Deadline
from discharge import services
from discharge.models import Appointment, Discharge

from ..factories import admit, discharge

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admission(member, clinician):
    return admit(member, at=NOW - dt.timedelta(days=10), by=clinician)


def test_discharge_form_opens_both_aftercare_deadlines(clinician_client, admission):
    response = clinician_client.post(
        reverse("discharge-new", args=[admission.pk]),
        {
            "discharged_at": "2026-03-10T10:00",
            "disposition": "planned",
            "on_medications": "yes",
        },
    )

    rules = set(
        Deadline.objects.filter(subject_id=Discharge.objects.get().pk).values_list(
            "rule", flat=True
        )
    )
    assert response.status_code == 302
    assert Discharge.objects.get().on_medications is True
    assert {"aftercare_appointment", "medication_monitoring"} <= rules


def test_discharge_missing_medications_answer_marked(clinician_client, admission):
    response = clinician_client.post(
        reverse("discharge-new", args=[admission.pk]),
        {"discharged_at": "2026-03-10T10:00", "disposition": "planned"},
    )

    form = response.context["form"]
    content = response.content.decode()
    assert list(form.errors) == ["on_medications"]
    assert 'id="id_on_medications_error"' in content
    assert '<option value="planned" selected>' in content
    assert not Discharge.objects.exists()


def test_discharge_before_admission_shows_error_at_discharge_time(
    clinician_client, admission
):
    response = clinician_client.post(
        reverse("discharge-new", args=[admission.pk]),
        {
            "discharged_at": "2026-02-01T10:00",
            "disposition": "planned",
            "on_medications": "no",
        },
    )

    assert list(response.context["form"].errors) == ["discharged_at"]
    assert not Discharge.objects.exists()


def test_appointment_form_meets_the_aftercare_deadline(
    clinician_client, clinician, admission
):
    left = discharge(admission, at=NOW - dt.timedelta(hours=2), by=clinician)

    response = clinician_client.post(
        reverse("appointment-new", args=[left.pk]),
        {
            "kind": "aftercare",
            "scheduled_on": "2026-03-14",
            "scheduled_time": "10:30",
            "provider": "Sample Outpatient Clinic",
        },
    )

    deadline = Deadline.objects.get(rule="aftercare_appointment")
    assert response.status_code == 302
    assert deadline.met_at == NOW


def test_appointment_form_shows_the_date_window(clinician_client, clinician, admission):
    left = discharge(admission, at=NOW - dt.timedelta(hours=2), by=clinician)

    response = clinician_client.get(reverse("appointment-new", args=[left.pk]))

    assert "date it no later than 17 March 2026" in response.content.decode()


def test_appointment_before_discharge_shows_error_at_date(
    clinician_client, clinician, admission
):
    left = discharge(admission, at=NOW - dt.timedelta(hours=2), by=clinician)

    response = clinician_client.post(
        reverse("appointment-new", args=[left.pk]),
        {"kind": "aftercare", "scheduled_on": "2026-03-01", "provider": "Clinic"},
    )

    assert response.context["form"].has_error("scheduled_on", "before_discharge")
    assert not Appointment.objects.exists()


def test_withdraw_discharge_reopens_the_admission(
    clinician_client, clinician, admission
):
    left = discharge(admission, at=NOW - dt.timedelta(hours=2), by=clinician)

    clinician_client.post(
        reverse("discharge-withdraw", args=[left.pk]), {"reason": "Wrong member"}
    )

    admission.refresh_from_db()
    assert admission.closed_at is None


def recorded_messages(response):
    return [
        (message.level_tag, str(message)) for message in response.context["messages"]
    ]


def test_timely_appointment_reports_success(clinician_client, clinician, admission):
    left = discharge(admission, at=NOW - dt.timedelta(hours=2), by=clinician)

    response = clinician_client.post(
        reverse("appointment-new", args=[left.pk]),
        {"kind": "aftercare", "scheduled_on": "2026-03-17", "provider": "Clinic"},
        follow=True,
    )

    assert recorded_messages(response) == [("success", "Appointment recorded.")]


def test_aftercare_appointment_after_window_warns(
    clinician_client, clinician, admission
):
    left = discharge(admission, at=NOW - dt.timedelta(hours=2), by=clinician)

    response = clinician_client.post(
        reverse("appointment-new", args=[left.pk]),
        {"kind": "aftercare", "scheduled_on": "2026-03-18", "provider": "Clinic"},
        follow=True,
    )

    assert Appointment.objects.count() == 1
    assert recorded_messages(response) == [
        (
            "warning",
            "Appointment recorded, but it is dated after 17 March 2026, so it does "
            "not meet the 7-day rule; record one dated no later than 17 March 2026 "
            "as well.",
        )
    ]


def test_late_medication_appointment_names_14_days(
    clinician_client, clinician, admission
):
    left = discharge(
        admission, at=NOW - dt.timedelta(hours=2), by=clinician, on_medications=True
    )

    response = clinician_client.post(
        reverse("appointment-new", args=[left.pk]),
        {
            "kind": "medication_monitoring",
            "scheduled_on": "2026-03-25",
            "provider": "Clinic",
        },
        follow=True,
    )

    [(level, text)] = recorded_messages(response)
    assert level == "warning"
    assert "does not meet the 14-day rule" in text
    assert "no later than 24 March 2026" in text


def test_late_appointment_after_timely_one_no_warning(
    clinician_client, clinician, admission
):
    left = discharge(admission, at=NOW - dt.timedelta(hours=2), by=clinician)
    services.record_appointment(
        left,
        kind="aftercare",
        scheduled_on=dt.date(2026, 3, 12),
        provider="Clinic A",
        by=clinician.user,
    )

    response = clinician_client.post(
        reverse("appointment-new", args=[left.pk]),
        {"kind": "aftercare", "scheduled_on": "2026-03-30", "provider": "Clinic B"},
        follow=True,
    )

    assert recorded_messages(response) == [("success", "Appointment recorded.")]


@pytest.mark.parametrize("disposition", ["death", "higher_level_of_care"])
def test_no_appointment_link_without_aftercare(
    clinician_client, clinician, admission, disposition
):
    left = discharge(
        admission,
        at=NOW - dt.timedelta(hours=2),
        by=clinician,
        disposition=disposition,
    )

    response = clinician_client.get(
        reverse("member-detail", args=[admission.member_id])
    )

    content = response.content.decode()
    assert reverse("appointment-new", args=[left.pk]) not in content
    assert reverse("discharge-withdraw", args=[left.pk]) in content


def test_appointment_link_after_planned_discharge(
    clinician_client, clinician, admission
):
    left = discharge(admission, at=NOW - dt.timedelta(hours=2), by=clinician)

    response = clinician_client.get(
        reverse("member-detail", args=[admission.member_id])
    )

    assert reverse("appointment-new", args=[left.pk]) in response.content.decode()
