import datetime as dt

import pytest

from deadlines.models import Deadline
from discharge.models import Discharge
from discharge.services import record_appointment
from referrals.models import Admission

from ..api_helpers import NOW, client_for, error_codes, iso, row_counts
from ..factories import MemberFactory, admit, discharge

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def fixed_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def api(clinician):
    return client_for(clinician)


@pytest.fixture
def admission(member, clinician):
    return admit(member, at=NOW - 10 * DAY, by=clinician)


@pytest.fixture
def discharged(admission, clinician):
    """A discharge at 09:00 New York time today, on medications."""
    return discharge(admission, at=NOW - 2 * HOUR, by=clinician, on_medications=True)


def discharge_payload(admission, **changes):
    return {
        "admission": admission.pk,
        "discharged_at": iso(NOW - HOUR),
        "disposition": "planned",
        "on_medications": True,
        **changes,
    }


def appointment_payload(discharge_id, **changes):
    return {
        "discharge": discharge_id,
        "kind": "aftercare",
        "scheduled_on": "2026-03-16",
        "provider": "Test Outpatient Clinic",
        **changes,
    }


def deadline_of(rule, subject_id):
    return Deadline.objects.get(rule=rule, subject_id=subject_id)


def assert_rejected(response, field, before):
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert row_counts() == before


def test_discharge_closes_admission(api, admission):
    response = api.post("/api/discharges/", discharge_payload(admission), format="json")

    assert response.status_code == 201
    discharge_id = response.json()["id"]
    assert Admission.objects.get(pk=admission.pk).closed_at == NOW - HOUR
    assert deadline_of("aftercare_appointment", discharge_id).met_at is None
    assert deadline_of("medication_monitoring", discharge_id).met_at is None


def test_discharge_before_admission_is_rejected(api, admission):
    before = row_counts()

    response = api.post(
        "/api/discharges/",
        discharge_payload(admission, discharged_at=iso(admission.admitted_at - HOUR)),
        format="json",
    )

    assert_rejected(response, "discharged_at", before)
    assert error_codes(response, "discharged_at") == ["before_admission"]


def test_discharge_in_future_is_rejected(api, admission):
    before = row_counts()

    response = api.post(
        "/api/discharges/",
        discharge_payload(admission, discharged_at=iso(NOW + HOUR)),
        format="json",
    )

    assert_rejected(response, "discharged_at", before)
    assert error_codes(response, "discharged_at") == ["in_future"]


def test_discharge_without_on_medications_is_rejected(api, admission):
    payload = discharge_payload(admission)
    del payload["on_medications"]
    before = row_counts()

    response = api.post("/api/discharges/", payload, format="json")

    assert_rejected(response, "on_medications", before)


def test_discharge_with_naive_time_is_rejected(api, admission):
    before = row_counts()

    response = api.post(
        "/api/discharges/",
        discharge_payload(admission, discharged_at="2026-03-10T10:00:00"),
        format="json",
    )

    assert_rejected(response, "discharged_at", before)


def test_second_discharge_is_rejected(api, admission, discharged):
    before = row_counts()

    response = api.post("/api/discharges/", discharge_payload(admission), format="json")

    assert_rejected(response, "admission", before)
    assert error_codes(response, "admission") == ["already_discharged"]


def test_discharge_withdrawal_cancels_deadlines(api, admission, discharged):
    response = api.post(
        f"/api/discharges/{discharged.pk}/withdraw/",
        {"reason": "Wrong admission"},
        format="json",
    )

    assert response.status_code == 200
    assert Admission.objects.get(pk=admission.pk).closed_at is None
    for rule in ("aftercare_appointment", "medication_monitoring"):
        deadline = deadline_of(rule, discharged.pk)
        assert deadline.cancelled_at == NOW
        assert deadline.cancel_reason == "Discharge withdrawn: Wrong admission"


def test_discharge_withdrawal_requires_reason(api, discharged):
    before = row_counts()

    response = api.post(f"/api/discharges/{discharged.pk}/withdraw/", {}, format="json")

    assert_rejected(response, "reason", before)
    assert Discharge.objects.get(pk=discharged.pk).withdrawn_at is None


def test_appointment_post_meets_aftercare_deadline(api, discharged):
    response = api.post(
        "/api/appointments/", appointment_payload(discharged.pk), format="json"
    )

    assert response.status_code == 201
    assert response.json()["member"] == discharged.member_id
    assert deadline_of("aftercare_appointment", discharged.pk).met_at == NOW


def test_monitoring_appointment_meets_deadline(api, discharged):
    response = api.post(
        "/api/appointments/",
        appointment_payload(
            discharged.pk, kind="medication_monitoring", scheduled_on="2026-03-20"
        ),
        format="json",
    )

    assert response.status_code == 201
    assert deadline_of("medication_monitoring", discharged.pk).met_at == NOW
    assert deadline_of("aftercare_appointment", discharged.pk).met_at is None


@pytest.mark.parametrize("scheduled_time", ["10:00+05:00", "10:00Z", "10:00:00-04:00"])
def test_appointment_time_with_offset_is_rejected(api, discharged, scheduled_time):
    payload = appointment_payload(discharged.pk, scheduled_time=scheduled_time)
    before = row_counts()

    response = api.post("/api/appointments/", payload, format="json")

    assert_rejected(response, "scheduled_time", before)
    assert error_codes(response, "scheduled_time") == ["offset"]
    assert response.json()["scheduled_time"] == [
        "scheduled_time has a UTC offset; send the program's local time without "
        "one, such as 14:30."
    ]


def test_appointment_local_time_is_kept(api, discharged):
    payload = appointment_payload(discharged.pk, scheduled_time="10:00")

    response = api.post("/api/appointments/", payload, format="json")

    assert response.status_code == 201
    assert response.json()["scheduled_time"] == "10:00:00"


def test_appointment_for_nonexistent_discharge_is_rejected(api, discharged):
    before = row_counts()

    response = api.post(
        "/api/appointments/", appointment_payload(discharged.pk + 1000), format="json"
    )

    assert_rejected(response, "discharge", before)
    assert "does not exist" in response.json()["discharge"][0]


def test_appointment_of_unknown_kind_is_rejected(api, discharged):
    before = row_counts()

    response = api.post(
        "/api/appointments/",
        appointment_payload(discharged.pk, kind="dental"),
        format="json",
    )

    assert_rejected(response, "kind", before)


def test_appointment_withdrawal_reopens_deadline(api, discharged, clinician):
    appointment = record_appointment(
        discharged,
        kind="aftercare",
        scheduled_on=dt.date(2026, 3, 16),
        provider="Test Outpatient Clinic",
        by=clinician.user,
        as_of=NOW - HOUR,
    )

    response = api.post(
        f"/api/appointments/{appointment.pk}/withdraw/",
        {"reason": "Clinic cancelled"},
        format="json",
    )

    assert response.status_code == 200
    assert deadline_of("aftercare_appointment", discharged.pk).met_at is None


def test_discharge_list_query_count(api, clinician, django_assert_max_num_queries):
    for _ in range(6):
        admission = admit(
            MemberFactory(program=clinician.program), at=NOW - 5 * DAY, by=clinician
        )
        discharge(admission, at=NOW - DAY, by=clinician)

    with django_assert_max_num_queries(6):
        response = api.get("/api/discharges/")

    assert response.json()["count"] == 6


def test_impossible_appointment_date_names_the_field(api, discharged):
    response = api.post(
        "/api/appointments/",
        {
            "discharge": discharged.pk,
            "kind": "aftercare",
            "scheduled_on": "2026-02-30",
            "provider": "x" * 201,
        },
        format="json",
    )

    body = response.json()
    assert response.status_code == 400
    assert body["scheduled_on"][0].startswith("scheduled_on is not a valid date")
    assert body["provider"] == [
        "provider is longer than 200 characters; shorten it to 200 or fewer."
    ]
