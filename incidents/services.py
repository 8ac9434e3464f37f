"""Recording adverse incidents and their reports to the health plan."""

from django.db import transaction
from django.utils import timezone

from deadlines import rules
from deadlines.services import meet_deadline, open_deadline, void_deadlines
from iop.audit import record_audit
from iop.errors import ServiceError
from iop.models import Member
from iop.services import mark_withdrawn
from iop.validation import require_not_before, require_not_future, require_reason

from .choices import IncidentKind
from .models import AdverseIncident

# Caps an incident description, so that one request cannot store megabytes
# of free text.
MAX_DESCRIPTION_LENGTH = 10_000


def record_incident(
    member,
    *,
    kind,
    occurred_at,
    discovered_at,
    description="",
    reported_to_plan_at=None,
    by,
    as_of=None,
):
    """Record a reportable adverse incident and open its reporting deadline.

    The report is due by the end of the next business day after the day it
    occurred. A report time given here meets the deadline at once.
    """
    as_of = as_of or timezone.now()
    if member is None:
        raise ServiceError(
            "member", "required", "Member is missing; choose the member."
        )
    program = member.program
    tz = program.tz
    if kind not in IncidentKind.values:
        raise ServiceError(
            "kind",
            "invalid_choice",
            f"Incident kind {kind!r} is not known; choose one of "
            f"{', '.join(IncidentKind.values)}.",
        )
    description = description or ""
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ServiceError(
            "description",
            "too_long",
            f"Description is {len(description):,} characters long; shorten it "
            f"to {MAX_DESCRIPTION_LENGTH:,} or fewer.",
        )
    require_not_future("occurred_at", occurred_at, as_of, "Occurred time", tz)
    require_not_future("discovered_at", discovered_at, as_of, "Discovered time", tz)
    require_not_before(
        "discovered_at",
        discovered_at,
        occurred_at,
        "Discovered time",
        "occurred time",
        tz,
        code="before_occurrence",
    )
    if reported_to_plan_at is not None:
        _check_report_time(reported_to_plan_at, occurred_at, as_of, tz)

    with transaction.atomic():
        # The member row lock makes a form sent twice at once record one
        # incident and reject the copy.
        Member.objects.select_for_update().get(pk=member.pk)
        duplicate = AdverseIncident.objects.filter(
            member=member, kind=kind, occurred_at=occurred_at, withdrawn_at__isnull=True
        ).first()
        if duplicate is not None:
            raise ServiceError(
                "occurred_at",
                "duplicate",
                f"This incident is already recorded (#{duplicate.pk}); open it "
                "instead of recording it again.",
            )
        incident = AdverseIncident.objects.create(
            member=member,
            program=program,
            kind=kind,
            occurred_at=occurred_at,
            discovered_at=discovered_at,
            description=description,
            recorded_at=as_of,
            recorded_by=by,
        )
        open_deadline(
            rules.INCIDENT_REPORT,
            incident,
            started_at=occurred_at,
            member=member,
            program=program,
        )
        if reported_to_plan_at is not None:
            _mark_reported(incident, reported_to_plan_at, by)
        record_audit(by, "incident.recorded", incident, at=as_of)
    return incident


def report_incident_to_plan(incident, *, reported_at, by, as_of=None):
    """Record that the incident was reported to the health plan.

    Meets the reporting deadline at `reported_at`.
    """
    as_of = as_of or timezone.now()
    tz = incident.program.tz
    _check_report_time(reported_at, incident.occurred_at, as_of, tz)

    with transaction.atomic():
        incident = AdverseIncident.objects.select_for_update().get(pk=incident.pk)
        if incident.is_withdrawn:
            raise ServiceError(
                None, "withdrawn", f"Incident #{incident.pk} was withdrawn."
            )
        if incident.reported_to_plan_at is not None:
            raise ServiceError(
                "reported_to_plan_at",
                "already_reported",
                f"Incident #{incident.pk} was already reported to the plan.",
            )
        _mark_reported(incident, reported_at, by)
        record_audit(by, "incident.reported_to_plan", incident, at=as_of)
    return incident


def _check_report_time(reported_at, occurred_at, as_of, tz):
    require_not_future(
        "reported_to_plan_at", reported_at, as_of, "Reported to plan time", tz
    )
    require_not_before(
        "reported_to_plan_at",
        reported_at,
        occurred_at,
        "Reported to plan time",
        "occurred time",
        tz,
        code="before_occurrence",
    )


def _mark_reported(incident, reported_at, by):
    incident.reported_to_plan_at = reported_at
    incident.reported_by = by
    incident.save(update_fields=["reported_to_plan_at", "reported_by"])
    meet_deadline(rules.INCIDENT_REPORT, incident, met_at=reported_at, met_by=incident)


def withdraw_incident(incident, *, reason, by, as_of=None):
    """Withdraw an incident entered in error and cancel its open deadline."""
    as_of = as_of or timezone.now()
    reason = require_reason(reason)

    with transaction.atomic():
        incident = AdverseIncident.objects.select_for_update().get(pk=incident.pk)
        if incident.is_withdrawn:
            raise ServiceError(
                None,
                "already_withdrawn",
                f"Incident #{incident.pk} is already withdrawn.",
            )
        mark_withdrawn(incident, reason=reason, by=by, as_of=as_of)
        void_deadlines(
            incident, reason=f"Incident withdrawn: {reason}", actor=by, at=as_of
        )
        record_audit(
            by, "incident.withdrawn", incident, at=as_of, detail={"reason": reason}
        )
    return incident
