import datetime as dt

from iop.audit import record_audit
from iop.models import AuditEntry

AT = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def test_audit_of_member_names_that_member(member, clinician):
    entry = record_audit(clinician.user, "member.viewed", member, at=AT)

    assert entry.member == member
    assert entry.program == member.program


def test_audit_of_system_act_has_no_actor(member):
    record_audit(None, "deadline.reopened", member, at=AT)

    assert AuditEntry.objects.get().actor is None


def test_api_docs_load_swagger_from_this_server(clinician_client):
    response = clinician_client.get("/api/docs/")

    assert response.status_code == 200
    assert b"drf_spectacular_sidecar" in response.content
    assert b"cdn.jsdelivr.net" not in response.content
