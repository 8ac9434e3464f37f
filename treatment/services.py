"""Assigning the care team and taking people off it."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from deadlines import rules
from deadlines.services import cancel_deadlines, deadline_for, sync_deadline_met
from iop.audit import record_audit
from iop.errors import ServiceError
from iop.services import mark_withdrawn
from iop.validation import require_not_before, require_not_future, require_reason
from referrals.models import Admission

from .models import CareTeamAssignment


def is_valid_team(assignments):
    """Say whether these assignments form a team the specification accepts.

    At least 2 different people, of at least 2 different disciplines, and at
    least 1 of them independently licensed. A person counts once whatever
    their roles.
    """
    by_staff = {assignment.staff_id: assignment for assignment in assignments}
    disciplines = {assignment.discipline for assignment in by_staff.values()}
    is_licensed = any(a.is_independently_licensed for a in by_staff.values())
    return len(by_staff) >= 2 and len(disciplines) >= 2 and is_licensed


def team_completed_by(assignments):
    """Return the assignment whose arrival first made the team valid, or None.

    At each arrival the team is everyone assigned by then who had not yet
    left. Withdrawn assignments (entered in error) must be left out by the
    caller.
    """
    ordered = sorted(assignments, key=lambda a: (a.assigned_at, a.pk))
    for arrival in ordered:
        at = arrival.assigned_at
        team = [
            a
            for a in ordered
            if a.assigned_at <= at and (a.ended_at is None or a.ended_at > at)
        ]
        if is_valid_team(team):
            return arrival
    return None


def sync_team_deadline(admission, *, actor, reason, at):
    """Bring the care-team deadline in line with the admission's team.

    The deadline is met by the arrival that first made the team valid, so
    any change to the team can move, set or clear its met time.
    """
    assignments = list(admission.team_assignments.filter(withdrawn_at__isnull=True))
    arrival = team_completed_by(assignments)
    deadline = sync_deadline_met(
        rules.TEAM_ASSIGNMENT,
        admission,
        met_at=arrival.assigned_at if arrival else None,
        met_by=arrival,
        actor=actor,
        reason=reason,
        at=at,
    )
    discharge = admission.discharges.filter(withdrawn_at__isnull=True).first()
    if discharge is not None:
        close_team_deadline_at_discharge(admission, discharge)
    return deadline


def close_team_deadline_at_discharge(admission, discharge):
    """Cancel the care-team deadline of a stay that ended before it was due.

    No team can be assigned once the stay has ended. A team deadline already
    missed at discharge stays overdue, because it is a breach the program's
    figures must show. Withdrawing the discharge opens the deadline again.
    """
    deadline = deadline_for(rules.TEAM_ASSIGNMENT, admission)
    if deadline is None or not deadline.is_open:
        return deadline
    if discharge.discharged_at <= deadline.due_at:
        cancel_deadlines(
            admission,
            rule_key=rules.TEAM_ASSIGNMENT,
            reason="Discharged before the care team was due",
            at=discharge.discharged_at,
            cause=discharge,
        )
        deadline.refresh_from_db()
    return deadline


def assign_team_member(admission, *, staff, assigned_at, team_role="", by, as_of=None):
    """Put a staff member on the admission's care team.

    Meets the care-team deadline at the time of the arrival that first makes
    the team valid (see is_valid_team).
    """
    as_of = as_of or timezone.now()
    if admission is None:
        raise ServiceError(
            "admission", "required", "Admission is missing; choose the admission."
        )
    tz = admission.program.tz
    _require_open_admission(admission)
    if staff is None or staff.program_id != admission.program_id or not staff.is_active:
        raise ServiceError(
            "staff",
            "not_program_staff",
            "Staff member: choose an active staff member of this member's program.",
        )
    if not staff.can_record_clinical:
        raise ServiceError(
            "staff",
            "not_clinical_staff",
            f"Staff member: a {staff.get_role_display().lower()} is not clinical "
            "staff; choose a clinician, psychiatrist or director.",
        )
    require_not_future("assigned_at", assigned_at, as_of, "Assigned time", tz)
    require_not_before(
        "assigned_at",
        assigned_at,
        admission.admitted_at,
        "Assigned time",
        "admission time",
        tz,
        code="before_admission",
    )

    try:
        with transaction.atomic():
            # Discharge and withdrawal lock this row too, and the caller's
            # copy may predate them, so check the locked row again.
            _require_open_admission(
                Admission.objects.select_for_update().get(pk=admission.pk)
            )
            if admission.team_assignments.filter(
                staff=staff, withdrawn_at__isnull=True, ended_at__isnull=True
            ).exists():
                raise _already_on_team()
            assignment = CareTeamAssignment.objects.create(
                admission=admission,
                member_id=admission.member_id,
                program_id=admission.program_id,
                staff=staff,
                discipline=staff.discipline,
                is_independently_licensed=staff.is_independently_licensed,
                team_role=(team_role or "").strip(),
                assigned_at=assigned_at,
                recorded_at=as_of,
                recorded_by=by,
            )
            sync_team_deadline(
                admission, actor=by, reason="Team member recorded", at=as_of
            )
            record_audit(by, "team_assignment.recorded", assignment, at=as_of)
    except IntegrityError as error:
        raise _already_on_team() from error
    return assignment


def _require_open_admission(admission):
    if admission.is_withdrawn:
        raise ServiceError(
            "admission", "withdrawn", f"Admission #{admission.pk} was withdrawn."
        )
    if not admission.is_open:
        raise ServiceError(
            "admission",
            "discharged",
            f"Admission #{admission.pk} has ended with a discharge; a care team "
            "can only be assigned during the stay.",
        )


def _already_on_team():
    return ServiceError(
        "staff",
        "already_on_team",
        "This staff member is already on the member's care team; choose someone else.",
    )


def end_team_assignment(assignment, *, ended_at, reason, by, as_of=None):
    """Take a person off the care team from `ended_at`.

    A care-team deadline met before `ended_at` stays met. An end dated before
    the arrival that completed the team means the team was not valid then,
    so the deadline's met time moves to a later valid arrival or clears.
    """
    as_of = as_of or timezone.now()
    reason = require_reason(reason)
    tz = assignment.program.tz
    require_not_future("ended_at", ended_at, as_of, "End time", tz)
    require_not_before(
        "ended_at",
        ended_at,
        assignment.assigned_at,
        "End time",
        "assigned time",
        tz,
        code="before_assignment",
    )

    with transaction.atomic():
        Admission.objects.select_for_update().get(pk=assignment.admission_id)
        assignment = CareTeamAssignment.objects.get(pk=assignment.pk)
        if assignment.ended_at is not None or assignment.is_withdrawn:
            raise ServiceError(
                None,
                "already_ended",
                f"Team assignment #{assignment.pk} has already ended.",
            )
        if not assignment.admission.is_open:
            raise ServiceError(
                None,
                "discharged",
                f"Admission #{assignment.admission_id} has ended with a discharge, "
                "and the care team ended with it; nothing to take off.",
            )
        assignment.ended_at = ended_at
        assignment.end_reason = reason[:200]
        assignment.save(update_fields=["ended_at", "end_reason"])
        sync_team_deadline(
            assignment.admission,
            actor=by,
            reason=f"Team member taken off: {reason}",
            at=as_of,
        )
        record_audit(
            by, "team_assignment.ended", assignment, at=as_of, detail={"reason": reason}
        )
    return assignment


def withdraw_team_assignment(assignment, *, reason, by, as_of=None):
    """Withdraw a team assignment entered in error.

    The care-team deadline is recomputed from the rest of the team: met at
    the arrival that first made it valid, or open again if none did.
    """
    as_of = as_of or timezone.now()
    reason = require_reason(reason)

    with transaction.atomic():
        Admission.objects.select_for_update().get(pk=assignment.admission_id)
        assignment = CareTeamAssignment.objects.get(pk=assignment.pk)
        if assignment.is_withdrawn:
            raise ServiceError(
                None,
                "already_withdrawn",
                f"Team assignment #{assignment.pk} is already withdrawn.",
            )
        mark_withdrawn(assignment, reason=reason, by=by, as_of=as_of)
        sync_team_deadline(
            assignment.admission,
            actor=by,
            reason=f"Team member withdrawn: {reason}",
            at=as_of,
        )
        record_audit(
            by,
            "team_assignment.withdrawn",
            assignment,
            at=as_of,
            detail={"reason": reason},
        )
    return assignment
