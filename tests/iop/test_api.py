import datetime as dt

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from discharge.services import record_appointment
from iop.models import AuditEntry, Member

from ..api_helpers import (
    CLINICAL_RESOURCES,
    NOW,
    client_for,
    error_codes,
    row_counts,
)
from ..factories import (
    MemberFactory,
    ProgramFactory,
    StaffFactory,
    UserFactory,
    admit,
    assign,
    discharge,
    make_incident,
)

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def fixed_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def empty_cache():
    """Clear throttle counts, so token tries of one test do not count in
    another."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(clinician):
    return client_for(clinician)


@pytest.fixture
def record_ids(member, clinician):
    """Return the id of one record of every clinical resource."""
    admission = admit(member, at=NOW - 3 * DAY, by=clinician)
    assignment = assign(admission, clinician, at=NOW - 2 * DAY, by=clinician)
    left = discharge(admission, at=NOW - DAY, by=clinician)
    appointment = record_appointment(
        left,
        kind="aftercare",
        scheduled_on=(NOW + DAY).date(),
        provider="Test Outpatient Clinic",
        by=clinician.user,
        as_of=NOW - DAY,
    )
    incident = make_incident(member, occurred_at=NOW - 2 * DAY, by=clinician)
    return {
        "referrals": admission.evaluation.referral_id,
        "evaluations": admission.evaluation_id,
        "admissions": admission.pk,
        "team-members": assignment.pk,
        "discharges": left.pk,
        "appointments": appointment.pk,
        "incidents": incident.pk,
    }


# Authentication


def test_token_authenticates(api):
    response = api.get("/api/programs/")

    assert response.status_code == 200


def test_token_endpoint_issues_token(clinician):
    response = APIClient().post(
        "/api/token/",
        {"username": clinician.user.username, "password": "test-password-1"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["token"]


def wrong_password(staff):
    return {"username": staff.user.username, "password": "wrong-password"}


def test_token_endpoint_throttles_eleventh_try(clinician):
    client = APIClient()

    statuses = [
        client.post("/api/token/", wrong_password(clinician)).status_code
        for _ in range(11)
    ]

    assert statuses == [400] * 10 + [429]


def test_token_throttle_message(clinician):
    client = APIClient()
    for _ in range(10):
        client.post("/api/token/", wrong_password(clinician))

    response = client.post("/api/token/", wrong_password(clinician))

    assert response.json()["detail"].startswith(
        "Too many token requests from this address."
    )


def test_token_throttle_ignores_forwarded_for(clinician):
    client = APIClient()
    for attempt in range(10):
        client.post(
            "/api/token/",
            wrong_password(clinician),
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        )

    response = client.post(
        "/api/token/", wrong_password(clinician), HTTP_X_FORWARDED_FOR="198.51.100.99"
    )

    assert response.status_code == 429


def test_unauthenticated_request_is_rejected(db):
    response = APIClient().get("/api/members/")

    assert response.status_code == 401


def test_user_without_staff_record_is_rejected(db):
    client = APIClient()
    client.force_authenticate(UserFactory())

    response = client.get("/api/members/")

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Sign in as an active staff member of a program."
    }


def test_inactive_staff_is_rejected(program):
    former = StaffFactory(program=program, is_active=False)

    response = client_for(former).get("/api/members/")

    assert response.status_code == 403


# Methods


@pytest.mark.parametrize("resource", [*CLINICAL_RESOURCES, "members"])
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_changing_methods_return_405(api, member, record_ids, resource, method):
    record_id = record_ids.get(resource, member.pk)
    before = row_counts()

    detail = getattr(api, method)(
        f"/api/{resource}/{record_id}/", {"reason": "x"}, format="json"
    )
    listing = getattr(api, method)(f"/api/{resource}/", {}, format="json")

    assert detail.status_code == 405
    assert listing.status_code == 405
    assert row_counts() == before


@pytest.mark.parametrize("resource", ["programs", "deadlines", "alerts"])
def test_read_only_resources_reject_post(api, resource):
    response = api.post(f"/api/{resource}/", {}, format="json")

    assert response.status_code == 405


@pytest.mark.parametrize("resource", CLINICAL_RESOURCES)
def test_clinical_resources_list_and_retrieve(api, record_ids, resource):
    listing = api.get(f"/api/{resource}/")
    detail = api.get(f"/api/{resource}/{record_ids[resource]}/")

    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [record_ids[resource]]
    assert detail.status_code == 200
    assert detail.json()["recorded_by"] is not None


# Request bodies and addresses


@pytest.mark.parametrize("url", ["/api/members/", "/api/token/"])
def test_deeply_nested_json_is_rejected(api, url):
    body = "[" * 100_000 + "]" * 100_000

    response = api.post(url, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_unknown_api_path_is_json_404(api):
    response = api.get("/api/colours/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "/api/" in response.json()["detail"]


@pytest.mark.parametrize(
    "resource, parameter",
    [
        ("referrals", "member"),
        ("team-members", "staff"),
        ("discharges", "admission"),
        ("alerts", "member"),
        ("deadlines", "member"),
    ],
)
def test_id_filter_beyond_bigint_is_rejected(api, resource, parameter):
    response = api.get(f"/api/{resource}/", {parameter: str(2**63)})

    assert response.status_code == 400
    assert error_codes(response, parameter) == ["invalid_id"]


@pytest.mark.parametrize("value", ["0", "-1", "1.0", " 1", "1e3", "١"])
def test_non_integer_id_filter_is_rejected(api, value):
    response = api.get("/api/referrals/", {"member": value})

    assert response.status_code == 400
    assert error_codes(response, "member") == ["invalid_id"]


def test_id_filter_message_names_parameter(api):
    response = api.get("/api/referrals/", {"member": "1.5"})

    assert response.json()["member"] == [
        "member must be a whole number id from 1 to 9223372036854775807; send "
        "the record's id, such as 42, without a decimal point, quotes or spaces."
    ]


def test_largest_id_filter_is_accepted(api):
    response = api.get("/api/referrals/", {"member": str(2**63 - 1)})

    assert response.status_code == 200
    assert response.json()["results"] == []


# Programs


def test_programs_show_only_own_program(api, program):
    ProgramFactory()

    response = api.get("/api/programs/")

    assert [row["id"] for row in response.json()["results"]] == [program.pk]


def test_other_program_is_not_found(api):
    other = ProgramFactory()

    response = api.get(f"/api/programs/{other.pk}/")

    assert response.status_code == 404


# Members


def member_payload(**changes):
    return {
        "first_name": "Testy",
        "last_name": "Fakeperson",
        "date_of_birth": "1990-01-01",
        "plan_member_id": "TEST-API-1",
        **changes,
    }


def test_member_post_registers_member(api, program, clinician):
    response = api.post("/api/members/", member_payload(), format="json")

    assert response.status_code == 201
    member = Member.objects.get(pk=response.json()["id"])
    assert member.program == program
    assert member.recorded_by == clinician.user
    assert AuditEntry.objects.filter(action="member.registered", member=member).exists()


def test_member_with_duplicate_plan_id_is_rejected(api, member):
    before = row_counts()

    response = api.post(
        "/api/members/",
        member_payload(plan_member_id=member.plan_member_id),
        format="json",
    )

    assert response.status_code == 400
    assert error_codes(response, "plan_member_id") == ["duplicate"]
    assert row_counts() == before


@pytest.mark.parametrize(
    "field, value",
    [
        ("id", 7),
        ("program", 1),
        ("recorded_at", "2026-03-01T09:00:00Z"),
        ("recorded_by", 1),
    ],
)
def test_member_server_set_field_is_rejected(api, field, value):
    before = row_counts()

    response = api.post(
        "/api/members/", member_payload(**{field: value}), format="json"
    )

    assert response.status_code == 400
    assert error_codes(response, field) == ["read_only"]
    assert row_counts() == before


def test_member_born_in_future_is_rejected(api):
    before = row_counts()

    response = api.post(
        "/api/members/", member_payload(date_of_birth="2027-01-01"), format="json"
    )

    assert response.status_code == 400
    assert error_codes(response, "date_of_birth") == ["in_future"]
    assert row_counts() == before


def test_other_programs_member_is_invisible(api, member):
    hidden = MemberFactory(program=ProgramFactory())

    detail = api.get(f"/api/members/{hidden.pk}/")
    listing = api.get("/api/members/")

    assert detail.status_code == 404
    assert [row["id"] for row in listing.json()["results"]] == [member.pk]


def test_member_list_query_count(api, program, django_assert_max_num_queries):
    MemberFactory.create_batch(10, program=program)

    with django_assert_max_num_queries(6):
        response = api.get("/api/members/")

    assert response.json()["count"] == 10


# Audit


def test_member_retrieve_is_audited(api, member, clinician):
    api.get(f"/api/members/{member.pk}/")

    entry = AuditEntry.objects.get(action="member.viewed")
    assert entry.actor == clinician.user
    assert entry.member == member
    assert entry.program == member.program


def test_record_retrieve_is_audited_with_member(api, record_ids, member):
    api.get(f"/api/referrals/{record_ids['referrals']}/")

    entry = AuditEntry.objects.get(action="referral.viewed")
    assert entry.member == member
    assert entry.subject_id == record_ids["referrals"]


def test_list_read_writes_one_entry_without_member(api, record_ids, program):
    api.get("/api/incidents/", {"kind": "elopement"})

    entry = AuditEntry.objects.get(action="incident.listed")
    assert entry.member is None
    assert entry.program == program
    assert entry.detail == {"count": 1, "query": {"kind": "elopement"}}


# Schema


def test_schema_endpoint_answers(api):
    response = api.get("/api/schema/")

    assert response.status_code == 200


def test_schema_generates_without_warnings(tmp_path):
    schema_file = tmp_path / "schema.yml"

    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file)
    )

    assert "/api/deadlines/" in schema_file.read_text()


def test_list_audit_hides_searched_names(api, member):
    api.get("/api/members/", {"last_name": member.last_name})

    entry = AuditEntry.objects.filter(action="member.listed").latest("id")
    assert entry.detail["query"] == {"last_name": "…"}
    assert member.last_name not in str(entry.detail)


def test_list_filtered_to_member_is_audited_with_member(api, member):
    api.get("/api/deadlines/", {"member": member.pk})

    entry = AuditEntry.objects.filter(action="deadline.listed").latest("id")
    assert entry.member == member
    assert entry.detail["query"] == {"member": str(member.pk)}
