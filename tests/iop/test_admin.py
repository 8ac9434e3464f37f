import datetime as dt

import pytest
from django.urls import reverse

from deadlines.models import Alert, Deadline, Notification, RuleSetting
from deadlines.services import set_rule_length, sweep
from discharge.models import Appointment, Discharge
from discharge.services import record_appointment
from incidents.models import AdverseIncident
from iop.models import AuditEntry, Member
from referrals.models import Admission, Evaluation, Referral
from treatment.models import CareTeamAssignment

from ..factories import admit, assign, discharge, make_incident

EASTERN = dt.timezone(dt.timedelta(hours=-5))

READ_ONLY_MODELS = [
    Member,
    Referral,
    Evaluation,
    Admission,
    CareTeamAssignment,
    Discharge,
    Appointment,
    AdverseIncident,
    Deadline,
    Alert,
    Notification,
    AuditEntry,
]


def admin_url(model, view, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.fixture
def whole_stay(member, clinician, nurse):
    """One record of every clinical kind, and an alert on each open deadline."""
    admitted_at = dt.datetime(2026, 1, 12, 10, 0, tzinfo=EASTERN)
    admission = admit(member, at=admitted_at, by=clinician)
    assign(admission, clinician, at=admitted_at + dt.timedelta(hours=1), by=clinician)
    assign(admission, nurse, at=admitted_at + dt.timedelta(hours=2), by=clinician)
    left = discharge(admission, at=admitted_at + dt.timedelta(days=10), by=clinician)
    make_incident(member, occurred_at=admitted_at + dt.timedelta(days=2), by=clinician)
    record_appointment(
        left,
        kind="aftercare",
        scheduled_on=dt.date(2026, 1, 25),
        provider="Test Clinic",
        by=clinician.user,
        as_of=admitted_at + dt.timedelta(days=10, hours=1),
    )
    sweep(admitted_at + dt.timedelta(days=30))
    return member


@pytest.mark.django_db
def test_clinical_records_are_read_only(admin_client, whole_stay):
    for model in READ_ONLY_MODELS:
        record = model.objects.first()
        assert record is not None, model.__name__

        changelist = admin_client.get(admin_url(model, "changelist"))
        add = admin_client.get(admin_url(model, "add"))
        change = admin_client.get(admin_url(model, "change", record.pk))
        post = admin_client.post(admin_url(model, "change", record.pk), {})
        delete = admin_client.get(admin_url(model, "delete", record.pk))

        assert changelist.status_code == 200, model.__name__
        assert add.status_code == 403, model.__name__
        assert change.status_code == 200, model.__name__
        assert b'name="_save"' not in change.content, model.__name__
        assert post.status_code == 403, model.__name__
        assert delete.status_code == 403, model.__name__


@pytest.mark.django_db
def test_read_only_page_shows_server_set_fields(admin_client, whole_stay):
    referral = Referral.objects.get()

    response = admin_client.get(admin_url(Referral, "change", referral.pk))

    assert b"Recorded at" in response.content
    assert b"Withdrawal reason" in response.content


@pytest.mark.django_db
def test_opening_member_record_is_audited(admin_client, admin_user, member):
    admin_client.get(admin_url(Member, "change", member.pk))

    entry = AuditEntry.objects.get(action="member.viewed_in_admin")
    assert entry.actor == admin_user
    assert entry.member == member


@pytest.mark.django_db
def test_deadline_list_filters_by_state(admin_client, whole_stay):
    overdue = admin_client.get(admin_url(Deadline, "changelist") + "?state=overdue")
    met = admin_client.get(admin_url(Deadline, "changelist") + "?state=met")

    assert overdue.status_code == 200
    assert overdue.context["cl"].result_count == 1
    assert met.context["cl"].result_count == 4


@pytest.mark.django_db
def test_rule_setting_saved_through_service(admin_client, admin_user, program):
    response = admin_client.post(
        admin_url(RuleSetting, "add"),
        {"program": program.pk, "rule": "admission", "length": 12},
    )

    setting = RuleSetting.objects.get()
    entry = AuditEntry.objects.get(action="rule_setting.changed")
    assert response.status_code == 302
    assert setting.length == 12
    assert setting.changed_by == admin_user
    assert entry.detail == {"rule": "admission", "from": 24, "to": 12}


@pytest.mark.django_db
def test_rule_setting_change_is_audited(admin_client, admin_user, program):
    admin_client.post(
        admin_url(RuleSetting, "add"),
        {"program": program.pk, "rule": "admission", "length": 12},
    )
    setting = RuleSetting.objects.get()

    response = admin_client.post(
        admin_url(RuleSetting, "change", setting.pk), {"length": 8}
    )

    setting.refresh_from_db()
    entries = AuditEntry.objects.filter(action="rule_setting.changed")
    assert response.status_code == 302
    assert setting.length == 8
    assert entries.count() == 2
    assert entries.first().detail == {"rule": "admission", "from": 12, "to": 8}


@pytest.mark.django_db
def test_looser_rule_length_shows_field_error(admin_client, program):
    response = admin_client.post(
        admin_url(RuleSetting, "add"),
        {"program": program.pk, "rule": "admission", "length": 48},
    )

    form = response.context["adminform"].form
    assert response.status_code == 200
    assert "length" in form.errors
    assert "at most 24 hours" in form.errors["length"][0]
    assert form.errors.as_data()["length"][0].code == "looser_than_specification"
    assert not RuleSetting.objects.exists()
    assert not AuditEntry.objects.filter(action="rule_setting.changed").exists()


@pytest.mark.django_db
def test_rule_settings_cannot_be_deleted(admin_client, admin_user, program):
    setting = set_rule_length(program, "admission", 12, by=admin_user)

    response = admin_client.get(admin_url(RuleSetting, "delete", setting.pk))

    assert response.status_code == 403


def test_admin_list_read_is_audited(admin_client):
    admin_client.get("/admin/iop/member/?q=Fakeperson")

    entry = AuditEntry.objects.get(action="admin_list.viewed")
    assert entry.detail == {"model": "iop.Member"}


def test_closure_day_added_in_admin_is_audited(admin_client, admin_user, program):
    response = admin_client.post(
        reverse("admin:iop_programclosure_add"),
        {"program": program.pk, "closed_on": "2026-12-24", "reason": "Holiday party"},
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin.added")
    assert entry.actor == admin_user
    assert entry.program == program
    assert entry.detail["model"] == "iop.ProgramClosure"
