"""Pages to record and withdraw discharges and aftercare appointments."""

from django.contrib import messages
from django.shortcuts import redirect, render

from deadlines.services import deadline_for
from iop.choices import CLINICAL_ROLES
from iop.forms import call_service
from iop.validation import format_local
from iop.views import get_program_object, staff_required, withdraw_page
from referrals.models import Admission

from . import services
from .choices import AppointmentKind
from .forms import AppointmentForm, DischargeForm
from .models import Appointment, Discharge


@staff_required(roles=CLINICAL_ROLES)
def discharge_member(request, pk):
    """Discharge the member; opens the aftercare deadlines."""
    admission = get_program_object(request, Admission, pk, "program", "member")
    form = DischargeForm(request.POST or None, program=admission.program)
    if request.method == "POST":
        discharge = call_service(
            form,
            lambda data: services.discharge_member(admission, by=request.user, **data),
        )
        if discharge is not None:
            messages.success(request, "Member discharged.")
            return redirect(admission.member)
    return render(
        request,
        "record_form.html",
        {
            "form": form,
            "member": admission.member,
            "title": "Discharge the member",
            "intro": (
                f"Admitted {format_local(admission.admitted_at, admission.program.tz)}."
            ),
            "submit_label": "Discharge",
        },
    )


@staff_required(roles=CLINICAL_ROLES)
def record_appointment(request, pk):
    """Record an appointment the discharged member leaves with."""
    discharge = get_program_object(request, Discharge, pk, "program", "member")
    form = AppointmentForm(request.POST or None)
    if request.method == "POST":
        appointment = call_service(
            form,
            lambda data: services.record_appointment(
                discharge, by=request.user, **data
            ),
        )
        if appointment is not None:
            late_message = _late_appointment_message(discharge, appointment)
            if late_message:
                messages.warning(request, late_message)
            else:
                messages.success(request, "Appointment recorded.")
            return redirect(discharge.member)
    return render(
        request,
        "record_form.html",
        {
            "form": form,
            "member": discharge.member,
            "title": "Record an appointment",
            "intro": _window_sentence(discharge),
            "submit_label": "Record appointment",
        },
    )


def _late_appointment_message(discharge, appointment):
    """Return a warning when `appointment` is dated after its rule's window
    and the rule's deadline is still open, else None.

    The service keeps a late appointment but meets no deadline with it, so
    the warning informs the clinician that another one is still needed.
    """
    window_end = services.appointment_window_end(discharge, appointment.kind)
    if window_end is None or appointment.scheduled_on <= window_end:
        return None
    deadline = deadline_for(services.APPOINTMENT_RULES[appointment.kind], discharge)
    if deadline.met_at is not None or deadline.cancelled_at is not None:
        return None
    return (
        f"Appointment recorded, but it is dated after {window_end:%-d %B %Y}, so "
        f"it does not meet the {deadline.length}-day rule; record one dated no "
        f"later than {window_end:%-d %B %Y} as well."
    )


def _window_sentence(discharge):
    parts = [
        f"Discharged {format_local(discharge.discharged_at, discharge.program.tz)}."
    ]
    for kind in AppointmentKind:
        window_end = services.appointment_window_end(discharge, kind)
        if window_end is not None:
            parts.append(f"{kind.label}: date it no later than {window_end:%-d %B %Y}.")
    return " ".join(parts)


@staff_required(roles=CLINICAL_ROLES)
def withdraw_discharge(request, pk):
    discharge = get_program_object(request, Discharge, pk, "member")
    return withdraw_page(
        request, discharge, services.withdraw_discharge, title="Discharge"
    )


@staff_required(roles=CLINICAL_ROLES)
def withdraw_appointment(request, pk):
    appointment = get_program_object(request, Appointment, pk, "member")
    return withdraw_page(
        request, appointment, services.withdraw_appointment, title="Appointment"
    )
