"""Discharging members and recording their aftercare appointments."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from deadlines import rules
from deadlines.services import (
    cancel_deadlines,
    cancel_member_deadlines,
    deadline_for,
    meet_deadline,
    open_deadline,
    reopen_deadlines_cancelled_by,
    reopen_deadlines_met_by,
    void_deadlines,
)
from iop.audit import record_audit
from iop.errors import ServiceError
from iop.services import mark_withdrawn
from iop.validation import require_not_before, require_not_future, require_reason
from referrals.models import Admission
from treatment.services import close_team_deadline_at_discharge, sync_team_deadline

from .choices import NO_AFTERCARE_DISPOSITIONS, AppointmentKind, Disposition
from .models import Appointment, Discharge

APPOINTMENT_RULES = {
    AppointmentKind.AFTERCARE: rules.AFTERCARE_APPOINTMENT,
    AppointmentKind.MEDICATION_MONITORING: rules.MEDICATION_MONITORING,
}


def discharge_day(discharge):
    """Return the discharge's date in the program's timezone."""
    return discharge.discharged_at.astimezone(discharge.program.tz).date()


def discharge_member(
    admission, *, discharged_at, disposition, on_medications, by, as_of=None
):
    """Discharge the member and open the aftercare deadlines.

    Opens the aftercare-appointment deadline and, for a member on
    medications, the medication-monitoring deadline; both are due by the end
    of the discharge day. A death or a transfer to a higher level of care
    cancels them with that reason.
    """
    as_of = as_of or timezone.now()
    if admission is None:
        raise ServiceError(
            "admission", "required", "Admission is missing; choose the admission."
        )
    tz = admission.program.tz
    if disposition not in Disposition.values:
        raise ServiceError(
            "disposition",
            "invalid_choice",
            f"Disposition {disposition!r} is not known; choose one of "
            f"{', '.join(Disposition.values)}.",
        )
    if on_medications is None:
        raise ServiceError(
            "on_medications",
            "required",
            "On medications is missing; say whether the member leaves on "
            "psychiatric medications.",
        )
    require_not_future("discharged_at", discharged_at, as_of, "Discharge time", tz)
    require_not_before(
        "discharged_at",
        discharged_at,
        admission.admitted_at,
        "Discharge time",
        "admission time",
        tz,
        code="before_admission",
    )

    try:
        with transaction.atomic():
            admission = Admission.objects.select_for_update().get(pk=admission.pk)
            _require_open_admission(admission)
            _require_after_team_arrivals(admission, discharged_at, tz)
            discharge = Discharge.objects.create(
                admission=admission,
                member_id=admission.member_id,
                program_id=admission.program_id,
                discharged_at=discharged_at,
                disposition=disposition,
                on_medications=on_medications,
                recorded_at=as_of,
                recorded_by=by,
            )
            admission.closed_at = discharged_at
            admission.save(update_fields=["closed_at"])
            _open_aftercare_deadlines(discharge, as_of)
            close_team_deadline_at_discharge(admission, discharge)
            record_audit(by, "discharge.recorded", discharge, at=as_of)
    except IntegrityError as error:
        raise _already_discharged(admission) from error
    return discharge


def _require_after_team_arrivals(admission, discharged_at, tz):
    # The latest recorded team event, an arrival or a departure, bounds the
    # discharge: the team cannot change after the stay has ended.
    latest = None
    for assignment in admission.team_assignments.filter(withdrawn_at__isnull=True):
        for instant in (assignment.assigned_at, assignment.ended_at):
            if instant is not None and (latest is None or instant > latest):
                latest = instant
    if latest is not None:
        require_not_before(
            "discharged_at",
            discharged_at,
            latest,
            "Discharge time",
            "last care team change",
            tz,
            code="before_team_assignment",
        )


def _require_open_admission(admission):
    if admission.is_withdrawn:
        raise ServiceError(
            "admission", "withdrawn", f"Admission #{admission.pk} was withdrawn."
        )
    if not admission.is_open:
        raise _already_discharged(admission)


def _already_discharged(admission):
    return ServiceError(
        "admission",
        "already_discharged",
        f"Admission #{admission.pk} already has a discharge; withdraw it first if "
        "it was entered in error.",
    )


def _open_aftercare_deadlines(discharge, as_of):
    rule_keys = [rules.AFTERCARE_APPOINTMENT]
    if discharge.on_medications:
        rule_keys.append(rules.MEDICATION_MONITORING)
    for rule_key in rule_keys:
        open_deadline(
            rule_key,
            discharge,
            started_at=discharge.discharged_at,
            member=discharge.member,
            program=discharge.program,
        )
    if discharge.disposition in NO_AFTERCARE_DISPOSITIONS:
        label = Disposition(discharge.disposition).label.lower()
        cancel_deadlines(
            discharge,
            reason=f"Discharge disposition: {label}",
            at=discharge.discharged_at,
        )


def withdraw_discharge(discharge, *, reason, by, as_of=None):
    """Withdraw a discharge entered in error and reopen the admission.

    The aftercare deadlines it started are cancelled, met ones too. A
    care-team deadline it cancelled opens again and is synced with the team.
    Admission deadlines of evaluations recorded since the discharge are
    cancelled, since the member is back in the program.
    """
    as_of = as_of or timezone.now()
    reason = require_reason(reason)

    try:
        with transaction.atomic():
            discharge = Discharge.objects.select_for_update().get(pk=discharge.pk)
            if discharge.is_withdrawn:
                raise ServiceError(
                    None,
                    "already_withdrawn",
                    f"Discharge #{discharge.pk} is already withdrawn.",
                )
            admission = Admission.objects.get(pk=discharge.admission_id)
            later = Admission.objects.filter(
                member_id=admission.member_id,
                admitted_at__gt=admission.admitted_at,
                withdrawn_at__isnull=True,
            ).first()
            if later is not None:
                raise _later_stay(later)
            mark_withdrawn(discharge, reason=reason, by=by, as_of=as_of)
            admission.closed_at = None
            admission.save(update_fields=["closed_at"])
            deadline_reason = f"Discharge withdrawn: {reason}"
            void_deadlines(discharge, reason=deadline_reason, actor=by, at=as_of)
            reopen_deadlines_cancelled_by(
                discharge, actor=by, reason=deadline_reason, at=as_of
            )
            sync_team_deadline(admission, actor=by, reason=deadline_reason, at=as_of)
            cancel_member_deadlines(
                admission.member,
                rules.ADMISSION,
                reason=f"Discharge #{discharge.pk} withdrawn, so the stay of "
                f"admission #{admission.pk} goes on",
                at=as_of,
                except_subject=admission.evaluation,
                cause=admission,
            )
            record_audit(
                by,
                "discharge.withdrawn",
                discharge,
                at=as_of,
                detail={"reason": reason},
            )
    except IntegrityError as error:
        later = Admission.objects.filter(
            member_id=discharge.member_id, closed_at__isnull=True
        ).first()
        raise _later_stay(later) from error
    return discharge


def _later_stay(later):
    admission = f" (#{later.pk})" if later is not None else ""
    return ServiceError(
        None,
        "later_admission_exists",
        f"The member was admitted again after this discharge{admission}, so "
        "the earlier stay cannot reopen without overlapping it; withdraw the "
        "later admission first if it was entered in error.",
    )


def appointment_window_end(discharge, kind):
    """Return the last date an appointment of `kind` may be dated to meet its
    rule, or None when the discharge has no such deadline."""
    deadline = deadline_for(APPOINTMENT_RULES[kind], discharge)
    if deadline is None:
        return None
    return discharge_day(discharge) + dt.timedelta(days=deadline.length)


def record_appointment(
    discharge, *, kind, scheduled_on, provider, scheduled_time=None, by, as_of=None
):
    """Record an appointment the discharged member leaves with.

    Meets the matching deadline at the time of recording when the
    appointment is dated within the rule's window. One dated later is kept
    but meets nothing.
    """
    as_of = as_of or timezone.now()
    if discharge is None:
        raise ServiceError(
            "discharge", "required", "Discharge is missing; choose the discharge."
        )
    if discharge.is_withdrawn:
        raise _withdrawn_discharge(discharge)
    if discharge.disposition in NO_AFTERCARE_DISPOSITIONS:
        label = Disposition(discharge.disposition).label.lower()
        raise ServiceError(
            "discharge",
            "no_aftercare",
            f"Discharge #{discharge.pk} was a {label}, so no aftercare "
            "appointment is recorded for it.",
        )
    if kind not in APPOINTMENT_RULES:
        raise ServiceError(
            "kind",
            "invalid_choice",
            f"Appointment kind {kind!r} is not known; choose aftercare or "
            "medication_monitoring.",
        )
    provider = (provider or "").strip()
    if not provider:
        raise ServiceError(
            "provider",
            "required",
            "Provider is missing; enter who the member will see.",
        )
    if scheduled_on is None:
        raise ServiceError(
            "scheduled_on", "required", "Appointment date is missing; enter it."
        )
    left_on = discharge_day(discharge)
    if scheduled_on < left_on:
        raise ServiceError(
            "scheduled_on",
            "before_discharge",
            f"Appointment date ({scheduled_on:%-d %B %Y}) is before the discharge "
            f"date ({left_on:%-d %B %Y}); enter that date or a later one.",
        )
    latest_on = left_on + dt.timedelta(days=366)
    if scheduled_on > latest_on:
        raise ServiceError(
            "scheduled_on",
            "too_far_after_discharge",
            f"Appointment date ({scheduled_on:%-d %B %Y}) is more than a year after "
            f"the discharge date; check the year (no later than "
            f"{latest_on:%-d %B %Y}).",
        )

    with transaction.atomic():
        # Withdrawal locks this row too, and the caller's copy may predate it.
        if Discharge.objects.select_for_update().get(pk=discharge.pk).is_withdrawn:
            raise _withdrawn_discharge(discharge)
        appointment = Appointment.objects.create(
            discharge=discharge,
            member_id=discharge.member_id,
            program_id=discharge.program_id,
            kind=kind,
            scheduled_on=scheduled_on,
            scheduled_time=scheduled_time,
            provider=provider,
            recorded_at=as_of,
            recorded_by=by,
        )
        _meet_appointment_deadline(discharge, kind)
        record_audit(by, "appointment.recorded", appointment, at=as_of)
    return appointment


def _withdrawn_discharge(discharge):
    return ServiceError(
        "discharge",
        "withdrawn",
        f"Discharge #{discharge.pk} was withdrawn; choose the member's current "
        "discharge.",
    )


def _meet_appointment_deadline(discharge, kind):
    window_end = appointment_window_end(discharge, kind)
    if window_end is None:
        return None
    first = (
        discharge.appointments.filter(
            kind=kind, withdrawn_at__isnull=True, scheduled_on__lte=window_end
        )
        .order_by("recorded_at", "id")
        .first()
    )
    if first is None:
        return None
    # Recording is what the rule requires, so the deadline is met when the
    # appointment was recorded, not on the appointment's date.
    return meet_deadline(
        APPOINTMENT_RULES[kind], discharge, met_at=first.recorded_at, met_by=first
    )


def withdraw_appointment(appointment, *, reason, by, as_of=None):
    """Withdraw an appointment entered in error.

    If it had met its deadline, the deadline opens again, and is met anew by
    the next appointment of the same kind within the window, if there is one.
    """
    as_of = as_of or timezone.now()
    reason = require_reason(reason)

    with transaction.atomic():
        Discharge.objects.select_for_update().get(pk=appointment.discharge_id)
        appointment = Appointment.objects.get(pk=appointment.pk)
        if appointment.is_withdrawn:
            raise ServiceError(
                None,
                "already_withdrawn",
                f"Appointment #{appointment.pk} is already withdrawn.",
            )
        mark_withdrawn(appointment, reason=reason, by=by, as_of=as_of)
        if reopen_deadlines_met_by(
            appointment, actor=by, reason=f"Appointment withdrawn: {reason}", at=as_of
        ):
            _meet_appointment_deadline(appointment.discharge, appointment.kind)
        record_audit(
            by,
            "appointment.withdrawn",
            appointment,
            at=as_of,
            detail={"reason": reason},
        )
    return appointment
