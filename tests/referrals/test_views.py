import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from deadlines.models import Deadline
from iop.choices import Role
from referrals import services
from referrals.models import Admission, Evaluation, Referral

from ..factories import (
    MemberFactory,
    ProgramFactory,
    StaffFactory,
    admit,
    make_evaluation,
    make_referral,
)

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def referral_data(**overrides):
    data = {
        "source": "emergency_services",
        "kind": "diversion",
        "plan_product": "hmo",
        "received_at": "2026-03-10T09:30",
    }
    data.update(overrides)
    return data


def test_referral_time_defaults_to_program_now(clinician_client, member):
    response = clinician_client.get(reverse("referral-new", args=[member.pk]))

    # 15:00 UTC is 11:00 EDT in New York.
    assert b'value="2026-03-10T11:00"' in response.content
    assert b'type="datetime-local"' in response.content


def test_referral_form_reads_time_in_program_timezone(clinician_client, member):
    response = clinician_client.post(
        reverse("referral-new", args=[member.pk]), referral_data()
    )

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("member-detail", args=[member.pk])
    assert referral.received_at == dt.datetime(2026, 3, 10, 13, 30, tzinfo=dt.UTC)
    assert Deadline.objects.get().rule == "evaluation_diversion"


def test_referral_form_reads_time_in_los_angeles_program(client, clinician):
    program = ProgramFactory(timezone="America/Los_Angeles")
    clinician.program = program
    clinician.save()
    member = MemberFactory(program=program)
    client.force_login(clinician.user)

    client.post(
        reverse("referral-new", args=[member.pk]),
        referral_data(received_at="2026-03-10T07:30"),
    )

    # 07:30 PDT is 14:30 UTC.
    referral = Referral.objects.get()
    assert referral.received_at == dt.datetime(2026, 3, 10, 14, 30, tzinfo=dt.UTC)


def test_referral_form_missing_kind_shows_error_at_field(clinician_client, member):
    response = clinician_client.post(
        reverse("referral-new", args=[member.pk]), referral_data(kind="")
    )

    form = response.context["form"]
    content = response.content.decode()
    assert response.status_code == 200
    assert form.has_error("kind", "required")
    assert list(form.errors) == ["kind"]
    assert 'id="id_kind_error"' in content
    assert "Kind is missing; choose it." in content
    assert 'value="2026-03-10T09:30"' in content
    assert '<option value="hmo" selected>' in content
    assert not Referral.objects.exists()


def test_referral_future_time_marked_at_field(clinician_client, member):
    response = clinician_client.post(
        reverse("referral-new", args=[member.pk]),
        referral_data(received_at="2026-03-10T18:00"),
    )

    form = response.context["form"]
    assert form.has_error("received_at", "in_future")
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Referral.objects.exists()


def test_referral_form_rejects_time_skipped_by_spring_forward(clinician_client, member):
    response = clinician_client.post(
        reverse("referral-new", args=[member.pk]),
        referral_data(received_at="2026-03-08T02:30"),
    )

    assert response.context["form"].has_error("received_at", "nonexistent")
    assert not Referral.objects.exists()


def test_referral_form_of_other_program_member_is_403(clinician_client):
    other = MemberFactory(program=ProgramFactory())

    response = clinician_client.post(
        reverse("referral-new", args=[other.pk]), referral_data()
    )

    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_qm_cannot_record_referrals(client, qm, member):
    client.force_login(qm.user)

    response = client.post(reverse("referral-new", args=[member.pk]), referral_data())

    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_evaluation_form_meets_the_evaluation_deadline(
    clinician_client, clinician, member
):
    referral = make_referral(
        member, received_at=NOW - dt.timedelta(hours=4), by=clinician
    )

    response = clinician_client.post(
        reverse("evaluation-new", args=[referral.pk]),
        {
            "completed_at": "2026-03-10T10:00",
            "evaluated_by": clinician.pk,
            "outcome": "admit",
        },
    )

    deadline = Deadline.objects.get(rule="evaluation_diversion")
    assert response.status_code == 302
    assert deadline.met_at == dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)
    assert Deadline.objects.filter(rule="admission").exists()


def test_evaluation_before_referral_shows_error_at_completed_time(
    clinician_client, clinician, member
):
    referral = make_referral(
        member, received_at=NOW - dt.timedelta(hours=4), by=clinician
    )

    response = clinician_client.post(
        reverse("evaluation-new", args=[referral.pk]),
        {
            "completed_at": "2026-03-09T10:00",
            "evaluated_by": clinician.pk,
            "outcome": "admit",
        },
    )

    form = response.context["form"]
    assert response.status_code == 200
    assert list(form.errors) == ["completed_at"]
    assert form.errors["completed_at"][0].startswith("Completed time")
    assert not Evaluation.objects.exists()


def test_second_evaluation_shows_error_above_the_form(
    clinician_client, clinician, member
):
    referral = make_referral(
        member, received_at=NOW - dt.timedelta(hours=4), by=clinician
    )
    make_evaluation(referral, completed_at=NOW - dt.timedelta(hours=3), by=clinician)

    response = clinician_client.post(
        reverse("evaluation-new", args=[referral.pk]),
        {
            "completed_at": "2026-03-10T10:00",
            "evaluated_by": clinician.pk,
            "outcome": "admit",
        },
    )

    form = response.context["form"]
    assert form.non_field_errors().as_data()[0].code == "already_evaluated"
    assert Evaluation.objects.count() == 1


def test_evaluation_form_offers_only_own_program_staff(
    clinician_client, clinician, member
):
    outsider = StaffFactory(program=ProgramFactory())
    referral = make_referral(
        member, received_at=NOW - dt.timedelta(hours=4), by=clinician
    )

    response = clinician_client.post(
        reverse("evaluation-new", args=[referral.pk]),
        {
            "completed_at": "2026-03-10T10:00",
            "evaluated_by": outsider.pk,
            "outcome": "admit",
        },
    )

    assert response.context["form"].has_error("evaluated_by", "invalid_choice")
    assert not Evaluation.objects.exists()


def test_admission_form_admits_and_opens_team_deadline(
    clinician_client, clinician, member
):
    referral = make_referral(
        member, received_at=NOW - dt.timedelta(hours=4), by=clinician
    )
    evaluation = make_evaluation(
        referral, completed_at=NOW - dt.timedelta(hours=3), by=clinician
    )

    response = clinician_client.post(
        reverse("admission-new", args=[evaluation.pk]),
        {"admitted_at": "2026-03-10T10:30"},
    )

    assert response.status_code == 302
    assert Admission.objects.get().admitted_at == dt.datetime(
        2026, 3, 10, 14, 30, tzinfo=dt.UTC
    )
    assert Deadline.objects.filter(rule="team_assignment").exists()


def test_withdraw_referral_needs_a_reason(clinician_client, clinician, member):
    referral = make_referral(
        member, received_at=NOW - dt.timedelta(hours=4), by=clinician
    )

    response = clinician_client.post(
        reverse("referral-withdraw", args=[referral.pk]), {"reason": "  "}
    )

    referral.refresh_from_db()
    assert response.context["form"].has_error("reason", "required")
    assert not referral.is_withdrawn


def test_withdraw_referral_cancels_its_deadline(clinician_client, clinician, member):
    referral = make_referral(
        member, received_at=NOW - dt.timedelta(hours=4), by=clinician
    )

    response = clinician_client.post(
        reverse("referral-withdraw", args=[referral.pk]),
        {"reason": "Entered for the wrong member"},
    )

    deadline = Deadline.objects.get()
    assert response.status_code == 302
    assert deadline.cancel_reason == "Referral withdrawn: Entered for the wrong member"


def test_withdraw_referral_with_admission_shows_error_above_form(
    clinician_client, clinician, member
):
    admission = admit(member, at=NOW - dt.timedelta(hours=1), by=clinician)
    referral = admission.evaluation.referral

    response = clinician_client.post(
        reverse("referral-withdraw", args=[referral.pk]), {"reason": "Wrong"}
    )

    form = response.context["form"]
    assert form.non_field_errors().as_data()[0].code == "has_admission"
    assert "There is a problem" in response.content.decode()


def test_evaluation_form_offers_clinical_staff(
    clinician_client, clinician, psychiatrist, director, qm, member
):
    StaffFactory(program=clinician.program, role=Role.ADMINISTRATOR)
    StaffFactory(program=clinician.program, is_active=False)
    referral = make_referral(
        member, received_at=NOW - dt.timedelta(hours=4), by=clinician
    )

    response = clinician_client.get(reverse("evaluation-new", args=[referral.pk]))

    offered = set(response.context["form"].fields["evaluated_by"].queryset)
    assert offered == {clinician, psychiatrist, director}


def test_evaluation_by_qm_staff_rejected(clinician_client, clinician, qm, member):
    referral = make_referral(
        member, received_at=NOW - dt.timedelta(hours=4), by=clinician
    )

    response = clinician_client.post(
        reverse("evaluation-new", args=[referral.pk]),
        {"completed_at": "2026-03-10T10:00", "evaluated_by": qm.pk, "outcome": "admit"},
    )

    assert response.context["form"].has_error("evaluated_by", "invalid_choice")
    assert not Evaluation.objects.exists()


def test_withdrawn_referral_page_redirects(clinician_client, clinician, member):
    referral = make_referral(
        member, received_at=NOW - dt.timedelta(hours=4), by=clinician
    )
    services.withdraw_referral(referral, reason="Wrong member", by=clinician.user)

    response = clinician_client.get(
        reverse("referral-withdraw", args=[referral.pk]), follow=True
    )

    messages = [
        (message.level_tag, str(message)) for message in response.context["messages"]
    ]
    assert response.redirect_chain == [
        (reverse("member-detail", args=[member.pk]), 302)
    ]
    assert messages == [("info", f"Referral #{referral.pk} is already withdrawn.")]


def test_second_referral_withdrawal_changes_nothing(
    clinician_client, clinician, member
):
    referral = make_referral(
        member, received_at=NOW - dt.timedelta(hours=4), by=clinician
    )
    services.withdraw_referral(referral, reason="Wrong member", by=clinician.user)

    response = clinician_client.post(
        reverse("referral-withdraw", args=[referral.pk]), {"reason": "Again"}
    )

    referral.refresh_from_db()
    assert response.status_code == 302
    assert referral.withdrawal_reason == "Wrong member"
