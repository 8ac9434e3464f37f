import datetime as dt
import json
import threading

import pytest
from django.db import connections

from deadlines.models import Deadline
from iop.choices import Discipline, Role
from referrals.models import Admission, Evaluation

from ..api_helpers import NOW, client_for, error_codes, iso, row_counts
from ..factories import (
    MemberFactory,
    ProgramFactory,
    StaffFactory,
    admit,
    make_admission,
    make_evaluation,
    make_referral,
)

HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def fixed_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def api(clinician):
    return client_for(clinician)


@pytest.fixture
def referral(member, clinician):
    return make_referral(member, received_at=NOW - 5 * HOUR, by=clinician)


@pytest.fixture
def evaluation(referral, clinician):
    return make_evaluation(referral, completed_at=NOW - 4 * HOUR, by=clinician)


def referral_payload(member, **changes):
    return {
        "member": member.pk,
        "source": "emergency_services",
        "kind": "diversion",
        "plan_product": "hmo",
        "received_at": iso(NOW - HOUR),
        **changes,
    }


def deadline_of(rule, subject_id):
    return Deadline.objects.get(rule=rule, subject_id=subject_id)


# Recording


def test_referral_post_opens_evaluation_deadline(api, member):
    response = api.post("/api/referrals/", referral_payload(member), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["member"] == member.pk
    assert body["received_at"] == "2026-03-10T14:00:00Z"
    deadline = deadline_of("evaluation_diversion", body["id"])
    assert deadline.met_at is None


def test_referral_post_rejects_server_set_fields(api, member, nurse):
    payload = referral_payload(
        member, recorded_at=iso(NOW - 100 * HOUR), recorded_by=nurse.user.pk
    )
    before = row_counts()

    response = api.post("/api/referrals/", payload, format="json")

    assert_rejected(response, "recorded_at", before)
    assert error_codes(response, "recorded_at") == ["read_only"]
    assert error_codes(response, "recorded_by") == ["read_only"]
    assert response.json()["recorded_at"] == [
        "recorded_at is set by the server; remove it from the request."
    ]


def test_referral_post_rejects_unknown_key(api, member):
    before = row_counts()

    response = api.post(
        "/api/referrals/", referral_payload(member, colour="red"), format="json"
    )

    assert_rejected(response, "colour", before)
    assert error_codes(response, "colour") == ["unknown_field"]
    assert response.json()["colour"] == [
        "colour is not a field of a referral; remove it. Fields you can send: "
        "member, source, kind, plan_product, received_at."
    ]


@pytest.mark.parametrize("field", ["member", "program", "recorded_by"])
def test_evaluation_server_set_field_is_rejected(api, referral, clinician, field):
    payload = {
        "referral": referral.pk,
        "completed_at": iso(NOW - HOUR),
        "evaluated_by": clinician.pk,
        "outcome": "admit",
        field: 1,
    }
    before = row_counts()

    response = api.post("/api/evaluations/", payload, format="json")

    assert_rejected(response, field, before)
    assert error_codes(response, field) == ["read_only"]


def test_admission_closed_at_is_rejected(api, evaluation):
    payload = {
        "evaluation": evaluation.pk,
        "admitted_at": iso(NOW - HOUR),
        "closed_at": iso(NOW),
    }
    before = row_counts()

    response = api.post("/api/admissions/", payload, format="json")

    assert_rejected(response, "closed_at", before)
    assert error_codes(response, "closed_at") == ["read_only"]


@pytest.mark.parametrize("value", [1.9, 2.0, " 1 ", "1.0", "+1", True, 0, -1, 2**63])
def test_non_integer_member_id_is_rejected(api, member, value):
    payload = {**referral_payload(member), "member": value}
    before = row_counts()

    response = api.post("/api/referrals/", payload, format="json")

    assert_rejected(response, "member", before)
    assert error_codes(response, "member") == ["invalid_id"]


def test_member_id_1e400_is_rejected(api, member):
    body = json.dumps(referral_payload(member)).replace(
        f'"member": {member.pk}', '"member": 1e400'
    )
    before = row_counts()

    response = api.post("/api/referrals/", body, content_type="application/json")

    assert_rejected(response, "member", before)
    assert response.json()["member"][0].startswith(
        "member must be a whole number id from 1 to 9223372036854775807"
    )


def test_member_id_digit_string_is_accepted(api, member):
    payload = {**referral_payload(member), "member": str(member.pk)}

    response = api.post("/api/referrals/", payload)

    assert response.status_code == 201
    assert response.json()["member"] == member.pk


def test_evaluation_post_meets_referral_deadline(api, referral, clinician):
    payload = {
        "referral": referral.pk,
        "completed_at": iso(NOW - HOUR),
        "evaluated_by": clinician.pk,
        "outcome": "admit",
    }

    response = api.post("/api/evaluations/", payload, format="json")

    assert response.status_code == 201
    assert response.json()["member"] == referral.member_id
    assert deadline_of("evaluation_diversion", referral.pk).met_at == NOW - HOUR
    admission_deadline = deadline_of("admission", response.json()["id"])
    assert admission_deadline.cancelled_at is None


def test_admission_post_meets_admission_deadline(api, evaluation):
    payload = {"evaluation": evaluation.pk, "admitted_at": iso(NOW - HOUR)}

    response = api.post("/api/admissions/", payload, format="json")

    assert response.status_code == 201
    assert response.json()["closed_at"] is None
    assert deadline_of("admission", evaluation.pk).met_at == NOW - HOUR
    assert Deadline.objects.filter(
        rule="team_assignment", subject_id=response.json()["id"]
    ).exists()


# Invalid input: 400 naming the field, nothing written


def assert_rejected(response, field, before):
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert row_counts() == before


def test_evaluation_before_referral_is_rejected(api, referral, clinician):
    payload = {
        "referral": referral.pk,
        "completed_at": iso(referral.received_at - HOUR),
        "evaluated_by": clinician.pk,
        "outcome": "admit",
    }
    before = row_counts()

    response = api.post("/api/evaluations/", payload, format="json")

    assert_rejected(response, "completed_at", before)
    assert error_codes(response, "completed_at") == ["before_referral"]


def test_admission_without_evaluation_is_rejected(api):
    before = row_counts()

    response = api.post(
        "/api/admissions/", {"admitted_at": iso(NOW - HOUR)}, format="json"
    )

    assert_rejected(response, "evaluation", before)


def test_admission_with_nonexistent_evaluation_is_rejected(api, evaluation):
    before = row_counts()

    response = api.post(
        "/api/admissions/",
        {"evaluation": evaluation.pk + 1000, "admitted_at": iso(NOW - HOUR)},
        format="json",
    )

    assert_rejected(response, "evaluation", before)
    assert "does not exist" in response.json()["evaluation"][0]


def test_other_programs_evaluation_looks_nonexistent(api):
    other_staff = StaffFactory(program=ProgramFactory())
    other_referral = make_referral(
        MemberFactory(program=other_staff.program),
        received_at=NOW - 5 * HOUR,
        by=other_staff,
    )
    other_evaluation = make_evaluation(
        other_referral, completed_at=NOW - 4 * HOUR, by=other_staff
    )
    before = row_counts()

    response = api.post(
        "/api/admissions/",
        {"evaluation": other_evaluation.pk, "admitted_at": iso(NOW - HOUR)},
        format="json",
    )

    assert_rejected(response, "evaluation", before)
    assert response.json()["evaluation"] == [
        f"Evaluation #{other_evaluation.pk} does not exist; send the id of one of "
        "your program's records."
    ]


def test_second_open_admission_is_rejected(api, member, clinician):
    referral = make_referral(member, received_at=NOW - 13 * HOUR, by=clinician)
    evaluation = make_evaluation(referral, completed_at=NOW - 12 * HOUR, by=clinician)
    admit(member, at=NOW - 10 * HOUR, by=clinician)
    before = row_counts()

    response = api.post(
        "/api/admissions/",
        {"evaluation": evaluation.pk, "admitted_at": iso(NOW - HOUR)},
        format="json",
    )

    assert_rejected(response, "evaluation", before)
    assert error_codes(response, "evaluation") == ["open_admission_exists"]


def test_referral_received_in_future_is_rejected(api, member):
    before = row_counts()

    response = api.post(
        "/api/referrals/",
        referral_payload(member, received_at=iso(NOW + HOUR)),
        format="json",
    )

    assert_rejected(response, "received_at", before)
    assert error_codes(response, "received_at") == ["in_future"]


def test_evaluation_completed_in_future_is_rejected(api, referral, clinician):
    payload = {
        "referral": referral.pk,
        "completed_at": iso(NOW + HOUR),
        "evaluated_by": clinician.pk,
        "outcome": "admit",
    }
    before = row_counts()

    response = api.post("/api/evaluations/", payload, format="json")

    assert_rejected(response, "completed_at", before)
    assert error_codes(response, "completed_at") == ["in_future"]


def test_admission_in_future_is_rejected(api, evaluation):
    before = row_counts()

    response = api.post(
        "/api/admissions/",
        {"evaluation": evaluation.pk, "admitted_at": iso(NOW + HOUR)},
        format="json",
    )

    assert_rejected(response, "admitted_at", before)
    assert error_codes(response, "admitted_at") == ["in_future"]


def test_referral_with_naive_datetime_is_rejected(api, member):
    before = row_counts()

    response = api.post(
        "/api/referrals/",
        referral_payload(member, received_at="2026-03-10T09:00:00"),
        format="json",
    )

    assert_rejected(response, "received_at", before)
    message = response.json()["received_at"][0]
    assert message.startswith("received_at has no UTC offset; send it with one")


def test_evaluation_by_other_programs_staff_is_rejected(api, referral):
    outsider = StaffFactory(program=ProgramFactory())
    payload = {
        "referral": referral.pk,
        "completed_at": iso(NOW - HOUR),
        "evaluated_by": outsider.pk,
        "outcome": "admit",
    }
    before = row_counts()

    response = api.post("/api/evaluations/", payload, format="json")

    assert_rejected(response, "evaluated_by", before)


# Two admissions at once


@pytest.mark.django_db(transaction=True)
def test_concurrent_admissions_admit_member_once(member, clinician):
    evaluations = []
    for hours_ago in (6, 5):
        referral = make_referral(
            member, received_at=NOW - hours_ago * HOUR, by=clinician
        )
        evaluations.append(
            make_evaluation(referral, completed_at=NOW - 4 * HOUR, by=clinician)
        )
    barrier = threading.Barrier(len(evaluations))
    responses = [None] * len(evaluations)

    def admit_over_api(index):
        try:
            client = client_for(clinician)
            barrier.wait(timeout=10)
            responses[index] = client.post(
                "/api/admissions/",
                {"evaluation": evaluations[index].pk, "admitted_at": iso(NOW - HOUR)},
                format="json",
            )
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=admit_over_api, args=(index,))
        for index in range(len(evaluations))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201, 400]
    rejected = next(r for r in responses if r.status_code == 400)
    assert error_codes(rejected, "evaluation") == ["open_admission_exists"]
    assert "already has an open admission" in rejected.json()["evaluation"][0]
    assert Admission.objects.filter(member=member, closed_at__isnull=True).count() == 1


# Roles and programs


def test_qm_cannot_post_referral(program, member):
    qm = StaffFactory(
        program=program,
        role=Role.QM,
        discipline=Discipline.OTHER,
        credentials="",
        is_independently_licensed=False,
    )
    api = client_for(qm)
    before = row_counts()

    response = api.post("/api/referrals/", referral_payload(member), format="json")

    assert response.status_code == 403
    assert row_counts() == before


def test_qm_write_rejection_names_role(qm, member):
    response = client_for(qm).post(
        "/api/referrals/", referral_payload(member), format="json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Your role (Quality management) may view these records but "
        "not record them; ask a clinician, psychiatrist or program director to "
        "record them."
    }


def test_other_programs_referral_is_invisible(api):
    other_staff = StaffFactory(program=ProgramFactory())
    hidden = make_referral(
        MemberFactory(program=other_staff.program),
        received_at=NOW - HOUR,
        by=other_staff,
    )

    detail = api.get(f"/api/referrals/{hidden.pk}/")
    listing = api.get("/api/referrals/")
    withdrawal = api.post(
        f"/api/referrals/{hidden.pk}/withdraw/", {"reason": "test"}, format="json"
    )

    assert detail.status_code == 404
    assert listing.json()["results"] == []
    assert withdrawal.status_code == 404


def test_referral_for_other_programs_member_is_rejected(api):
    outsider = MemberFactory(program=ProgramFactory())
    before = row_counts()

    response = api.post("/api/referrals/", referral_payload(outsider), format="json")

    assert_rejected(response, "member", before)


# Withdrawal


def test_referral_withdrawal_requires_reason(api, referral):
    before = row_counts()

    missing = api.post(f"/api/referrals/{referral.pk}/withdraw/", {}, format="json")
    blank = api.post(
        f"/api/referrals/{referral.pk}/withdraw/", {"reason": "  "}, format="json"
    )

    assert_rejected(missing, "reason", before)
    assert_rejected(blank, "reason", before)


def test_referral_withdrawal_rejects_unknown_key(api, referral):
    before = row_counts()

    response = api.post(
        f"/api/referrals/{referral.pk}/withdraw/",
        {"reason": "Duplicate entry", "withdrawn_by": 1},
        format="json",
    )

    assert_rejected(response, "withdrawn_by", before)
    assert error_codes(response, "withdrawn_by") == ["unknown_field"]


def test_referral_withdrawal_cancels_its_deadline(api, referral):
    response = api.post(
        f"/api/referrals/{referral.pk}/withdraw/",
        {"reason": "Duplicate entry"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["withdrawal_reason"] == "Duplicate entry"
    deadline = deadline_of("evaluation_diversion", referral.pk)
    assert deadline.cancelled_at == NOW
    assert deadline.cancel_reason == "Referral withdrawn: Duplicate entry"


def test_evaluation_withdrawal_reopens_deadline(api, referral, evaluation):
    response = api.post(
        f"/api/evaluations/{evaluation.pk}/withdraw/",
        {"reason": "Wrong member"},
        format="json",
    )

    assert response.status_code == 200
    assert deadline_of("evaluation_diversion", referral.pk).met_at is None
    assert deadline_of("admission", evaluation.pk).cancelled_at == NOW


def test_admission_withdrawal_reopens_deadline(api, evaluation, clinician):
    admission = make_admission(evaluation, admitted_at=NOW - 3 * HOUR, by=clinician)

    response = api.post(
        f"/api/admissions/{admission.pk}/withdraw/",
        {"reason": "Entered twice"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["closed_at"] == "2026-03-10T15:00:00Z"
    assert deadline_of("admission", evaluation.pk).met_at is None
    assert deadline_of("team_assignment", admission.pk).cancelled_at == NOW


def test_withdrawing_twice_is_rejected(api, referral):
    url = f"/api/referrals/{referral.pk}/withdraw/"
    api.post(url, {"reason": "Duplicate entry"}, format="json")

    response = api.post(url, {"reason": "Again"}, format="json")

    assert response.status_code == 400
    assert error_codes(response, "non_field_errors") == ["already_withdrawn"]


# Lists


def test_referral_list_query_count(api, clinician, django_assert_max_num_queries):
    for _ in range(8):
        make_referral(
            MemberFactory(program=clinician.program),
            received_at=NOW - HOUR,
            by=clinician,
        )

    with django_assert_max_num_queries(6):
        response = api.get("/api/referrals/")

    assert response.json()["count"] == 8


def test_evaluation_list_filters_by_member(api, evaluation, clinician):
    other_referral = make_referral(
        MemberFactory(program=clinician.program), received_at=NOW - HOUR, by=clinician
    )
    make_evaluation(other_referral, completed_at=NOW - HOUR / 2, by=clinician)

    response = api.get("/api/evaluations/", {"member": evaluation.member_id})

    assert [row["id"] for row in response.json()["results"]] == [evaluation.pk]
    assert Evaluation.objects.count() == 2


def test_is_open_filter_rejects_unknown_value(api):
    response = api.get("/api/admissions/", {"is_open": "maybe"})

    assert response.status_code == 400
    assert error_codes(response, "is_open") == ["invalid_boolean"]
    assert response.json()["is_open"] == ["is_open must be true or false."]


def test_is_open_false_keeps_closed_admissions(api, evaluation, clinician):
    admission = make_admission(evaluation, admitted_at=NOW - 3 * HOUR, by=clinician)
    api.post(
        f"/api/admissions/{admission.pk}/withdraw/",
        {"reason": "Entered twice"},
        format="json",
    )

    closed = api.get("/api/admissions/", {"is_open": "false"})
    still_open = api.get("/api/admissions/", {"is_open": "true"})

    assert [row["id"] for row in closed.json()["results"]] == [admission.pk]
    assert still_open.json()["results"] == []


def test_serializer_errors_carry_codes(api):
    response = api.post("/api/admissions/", {}, format="json")

    assert response.status_code == 400
    assert error_codes(response, "evaluation") == ["required"]


def test_default_messages_name_the_field(api, member):
    response = api.post(
        "/api/referrals/",
        {"member": member.pk, "kind": "sideways", "source": None},
        format="json",
    )

    body = response.json()
    assert response.status_code == 400
    assert body["kind"][0].startswith('kind: "sideways" is not one of the allowed')
    assert "diversion, step_down" in body["kind"][0]
    assert body["source"] == ["source may not be null; send a value."]
    assert body["received_at"] == ["received_at is missing; send it."]
