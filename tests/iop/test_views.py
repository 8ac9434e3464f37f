import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from iop import demo
from iop.models import AuditEntry, Member

from ..factories import (
    MemberFactory,
    ProgramFactory,
    StaffFactory,
    UserFactory,
    admit,
    discharge,
    make_evaluation,
    make_referral,
)

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_login_page_shows_the_form(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_member_list_sends_anonymous_user_to_login(client, db):
    response = client.get(reverse("member-list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_user_without_staff_record_gets_403_that_says_why(client, db):
    client.force_login(UserFactory())

    response = client.get(reverse("member-list"))

    assert response.status_code == 403
    assert b"not linked to an active staff record" in response.content


def test_inactive_staff_gets_403(client, program):
    staff = StaffFactory(program=program, is_active=False)
    client.force_login(staff.user)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 403


def test_home_redirects_to_member_list(clinician_client):
    response = clinician_client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url == reverse("member-list")


def test_member_list_shows_stage_and_open_deadlines(clinician_client, clinician):
    program = clinician.program
    referred = MemberFactory(program=program, last_name="Alpha")
    make_referral(referred, received_at=NOW - dt.timedelta(days=3), by=clinician)
    admitted = MemberFactory(program=program, last_name="Bravo")
    admit(admitted, at=NOW - dt.timedelta(hours=2), by=clinician)
    MemberFactory(program=program, last_name="Charlie")

    response = clinician_client.get(reverse("member-list"))

    rows = {member.last_name: member for member in response.context["page"]}
    assert rows["Alpha"].stage == "referred"
    assert rows["Alpha"].open_deadline_count == 1
    assert rows["Alpha"].overdue_count == 1
    assert rows["Bravo"].stage == "admitted"
    assert rows["Bravo"].open_deadline_count == 1
    assert rows["Bravo"].overdue_count == 0
    assert rows["Charlie"].stage == "registered"
    assert b"1 overdue" in response.content


def test_member_list_stage_follows_the_latest_record(clinician_client, clinician):
    program = clinician.program
    evaluated = MemberFactory(program=program, last_name="Delta")
    referral = make_referral(
        evaluated, received_at=NOW - dt.timedelta(hours=5), by=clinician
    )
    make_evaluation(
        referral,
        completed_at=NOW - dt.timedelta(hours=4),
        by=clinician,
        outcome="not_admitted",
    )
    discharged = MemberFactory(program=program, last_name="Echo")
    admission = admit(discharged, at=NOW - dt.timedelta(days=10), by=clinician)
    discharge(admission, at=NOW - dt.timedelta(days=1), by=clinician)
    referred_again = MemberFactory(program=program, last_name="Foxtrot")
    admission = admit(referred_again, at=NOW - dt.timedelta(days=10), by=clinician)
    discharge(admission, at=NOW - dt.timedelta(days=2), by=clinician)
    make_referral(referred_again, received_at=NOW - dt.timedelta(hours=1), by=clinician)

    response = clinician_client.get(reverse("member-list"))

    stages = {member.last_name: member.stage for member in response.context["page"]}
    assert stages["Delta"] == "evaluated"
    assert stages["Echo"] == "discharged"
    assert stages["Foxtrot"] == "referred"


def test_member_list_searches_name_and_plan_id(clinician_client, clinician):
    program = clinician.program
    MemberFactory(program=program, first_name="Ada", last_name="Samplewood")
    MemberFactory(program=program, last_name="Other", plan_member_id="ZZ4242")

    by_name = clinician_client.get(reverse("member-list"), {"q": "ada sample"})
    by_plan_id = clinician_client.get(reverse("member-list"), {"q": "zz42"})

    assert [m.last_name for m in by_name.context["page"]] == ["Samplewood"]
    assert [m.last_name for m in by_plan_id.context["page"]] == ["Other"]


def test_member_list_hides_other_programs(clinician_client, clinician):
    MemberFactory(program=clinician.program, last_name="Mine")
    MemberFactory(program=ProgramFactory(), last_name="Theirs")

    response = clinician_client.get(reverse("member-list"))

    assert [m.last_name for m in response.context["page"]] == ["Mine"]


def test_member_list_query_count_does_not_grow_with_members(
    clinician_client, clinician, django_assert_max_num_queries
):
    for _ in range(12):
        member = MemberFactory(program=clinician.program)
        admit(member, at=NOW - dt.timedelta(hours=30), by=clinician)

    # Session, user, staff with program, the page count and the page itself.
    # 6 to read the page, 1 to write its audit entry.
    with django_assert_max_num_queries(7):
        response = clinician_client.get(reverse("member-list"))

    assert len(response.context["page"]) == 12


def test_member_detail_writes_an_audit_entry(clinician_client, clinician, member):
    clinician_client.get(reverse("member-detail", args=[member.pk]))

    entry = AuditEntry.objects.get(action="member.viewed")
    assert entry.member == member
    assert entry.actor == clinician.user


def test_member_detail_of_other_program_is_403(clinician_client):
    other = MemberFactory(program=ProgramFactory())

    response = clinician_client.get(reverse("member-detail", args=[other.pk]))

    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="member.viewed").exists()


def test_member_detail_of_unknown_member_is_404(clinician_client):
    response = clinician_client.get(reverse("member-detail", args=[999999]))

    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_member_detail_shows_each_stage_with_its_deadline(
    clinician_client, clinician, nurse, member
):
    admission = admit(member, at=NOW - dt.timedelta(days=2), by=clinician)

    response = clinician_client.get(reverse("member-detail", args=[member.pk]))

    content = response.content.decode()
    assert 'data-stage="referral"' in content
    assert 'data-stage="evaluation"' in content
    assert 'data-stage="admission"' in content
    assert 'data-rule="evaluation_diversion" data-state="met"' in content
    assert 'data-rule="admission" data-state="met"' in content
    assert 'data-rule="team_assignment" data-state="overdue"' in content
    # Admitted 8 March 15:00 UTC, which is 10:00 EDT in New York.
    assert "due 9 March 2026 11:00 EDT" in content
    assert reverse("team-assignment-new", args=[admission.pk]) in content
    assert reverse("discharge-new", args=[admission.pk]) in content


def test_member_detail_shows_cancel_reason(clinician_client, clinician, member):
    referral = make_referral(
        member, received_at=NOW - dt.timedelta(hours=3), by=clinician
    )
    make_evaluation(
        referral,
        completed_at=NOW - dt.timedelta(hours=2),
        by=clinician,
        outcome="referred_elsewhere",
    )

    response = clinician_client.get(reverse("member-detail", args=[member.pk]))

    content = response.content.decode()
    assert 'data-rule="admission" data-state="cancelled"' in content
    assert "Evaluation outcome: referred elsewhere" in content
    assert reverse("admission-new", args=[referral.evaluations.get().pk]) not in (
        content
    )


def test_member_detail_query_count_is_bounded(
    clinician_client, clinician, nurse, member, django_assert_max_num_queries
):
    for days_ago in (40, 20):
        admission = admit(member, at=NOW - dt.timedelta(days=days_ago), by=clinician)
        discharge(admission, at=NOW - dt.timedelta(days=days_ago - 5), by=clinician)

    with django_assert_max_num_queries(16):
        response = clinician_client.get(reverse("member-detail", args=[member.pk]))

    assert response.status_code == 200


def test_register_member_keeps_typed_values_on_missing_field(clinician_client):
    response = clinician_client.post(
        reverse("member-register"),
        {"first_name": "Testy", "last_name": "", "plan_member_id": "TEST-77"},
    )

    form = response.context["form"]
    content = response.content.decode()
    assert response.status_code == 200
    assert form.has_error("last_name", "required")
    assert form.has_error("date_of_birth", "required")
    assert 'value="Testy"' in content
    assert 'value="TEST-77"' in content
    assert 'aria-invalid="true"' in content
    assert 'id="id_last_name_error"' in content
    assert not Member.objects.exists()


def test_register_member_shows_duplicate_plan_id_at_its_field(
    clinician_client, clinician
):
    MemberFactory(program=clinician.program, plan_member_id="TEST-1")

    response = clinician_client.post(
        reverse("member-register"),
        {
            "first_name": "Testy",
            "last_name": "Fakeperson",
            "date_of_birth": "1990-01-01",
            "plan_member_id": "TEST-1",
        },
    )

    assert response.context["form"].has_error("plan_member_id", "duplicate")
    assert Member.objects.count() == 1


def test_register_member_redirects_to_the_member_page(clinician_client):
    response = clinician_client.post(
        reverse("member-register"),
        {
            "first_name": "Testy",
            "last_name": "Fakeperson",
            "date_of_birth": "1990-01-01",
            "plan_member_id": "TEST-2",
        },
    )

    member = Member.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("member-detail", args=[member.pk])


def test_qm_cannot_register_members(client, qm):
    client.force_login(qm.user)

    response = client.get(reverse("member-register"))

    assert response.status_code == 403
    assert b"Quality management" in response.content


def test_server_error_page_shows_reference_not_trace(
    clinician_client, member, monkeypatch
):
    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("iop.selectors.member_stay", fail)
    clinician_client.raise_request_exception = False

    response = clinician_client.get(reverse("member-detail", args=[member.pk]))

    content = response.content.decode()
    assert response.status_code == 500
    assert "quote the reference" in content
    assert "boom" not in content
    assert "Traceback" not in content


def test_member_list_zero_overdue_is_number(clinician_client, clinician):
    MemberFactory(program=clinician.program, last_name="Calm")

    response = clinician_client.get(reverse("member-list"))

    content = response.content.decode()
    assert '<span class="muted">0</span>' in content
    assert ">None<" not in content


def test_member_search_last_comma_first(clinician_client, clinician):
    MemberFactory(program=clinician.program, first_name="Alder", last_name="Demo")
    MemberFactory(program=clinician.program, first_name="Birch", last_name="Demo")

    response = clinician_client.get(reverse("member-list"), {"q": "Demo, Alder"})

    assert [m.first_name for m in response.context["page"]] == ["Alder"]


def test_stage_headings_separate_label_and_time(clinician_client, clinician, member):
    admission = admit(member, at=NOW - dt.timedelta(days=2), by=clinician)
    discharge(admission, at=NOW - dt.timedelta(hours=2), by=clinician)

    response = clinician_client.get(reverse("member-detail", args=[member.pk]))

    content = response.content.decode()
    assert 'Admission<span class="stage-time">, admitted 8 March 2026' in content
    assert 'Discharge<span class="stage-time">, discharged 10 March 2026' in content


def test_too_long_first_name_message(clinician_client):
    response = clinician_client.post(
        reverse("member-register"),
        {
            "first_name": "A" * 101,
            "last_name": "Fakeperson",
            "date_of_birth": "1990-01-01",
            "plan_member_id": "TEST-3",
        },
    )

    form = response.context["form"]
    assert form.has_error("first_name", "max_length")
    assert form.errors["first_name"] == [
        "First name is too long (101 characters); shorten it to 100 or fewer."
    ]
    assert not Member.objects.exists()


def test_error_summary_names_each_field(clinician_client):
    response = clinician_client.post(
        reverse("member-register"),
        {
            "first_name": "Testy",
            "last_name": "",
            "date_of_birth": "31/01/1990",
            "plan_member_id": "TEST-4",
        },
    )

    content = response.content.decode()
    assert "There are 2 problems" in content
    assert '<a href="#id_last_name">Last name is missing; enter it.</a>' in content
    assert (
        '<a href="#id_date_of_birth">Date of birth: Enter the date of birth, '
        "such as 1990-01-31.</a>" in content
    )


def test_demo_qm_description_matches_rights(client, qm, member):
    client.force_login(qm.user)

    response = client.get(reverse("incident-new", args=[member.pk]))

    purposes = dict(demo.LOGINS)
    assert response.status_code == 200
    assert "read-only" not in purposes["qm"]
    assert "incidents" in purposes["qm"]


def test_member_list_read_is_audited(clinician_client, clinician, member):
    clinician_client.get("/members/?q=Fakeperson")

    entry = AuditEntry.objects.get(action="page.viewed")
    assert entry.actor == clinician.user
    assert entry.detail == {"path": "/members/"}


def test_form_page_read_is_audited_with_member(clinician_client, member):
    clinician_client.get(f"/members/{member.pk}/referrals/new/")

    entry = AuditEntry.objects.get(action="page.viewed")
    assert entry.member == member
