"""Pages to record adverse incidents, report them and list them."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone

from deadlines.models import Deadline
from deadlines.selectors import with_state
from iop.forms import call_service
from iop.models import Member
from iop.validation import format_local
from iop.views import get_program_object, staff_required, withdraw_page

from . import services
from .forms import IncidentForm, ReportToPlanForm
from .models import AdverseIncident

INCIDENTS_PER_PAGE = 50


@staff_required
def incident_list(request):
    """List the program's incidents, newest first, with their report state."""
    as_of = timezone.now()
    incidents = AdverseIncident.objects.filter(
        program=request.staff.program
    ).select_related("member")
    page = Paginator(incidents, INCIDENTS_PER_PAGE).get_page(request.GET.get("page"))
    deadlines = with_state(_incident_deadlines(page.object_list), as_of)
    by_incident = {deadline.subject_id: deadline for deadline in deadlines}
    for incident in page:
        incident.deadline = by_incident.get(incident.pk)
    return render(request, "incidents/incident_list.html", {"page": page})


def _incident_deadlines(incidents):
    return Deadline.objects.filter(
        subject_type=ContentType.objects.get_for_model(AdverseIncident),
        subject_id__in=[incident.pk for incident in incidents],
    )


@staff_required
def record_incident(request, member_id):
    """Record an adverse incident; opens its 1-business-day report deadline.

    Every role may record incidents, QM staff included.
    """
    member = get_program_object(request, Member, member_id, "program")
    form = IncidentForm(request.POST or None, program=member.program)
    if request.method == "POST":
        incident = call_service(
            form,
            lambda data: services.record_incident(member, by=request.user, **data),
        )
        if incident is not None:
            messages.success(request, "Incident recorded.")
            return redirect(member)
    return render(
        request,
        "record_form.html",
        {
            "form": form,
            "member": member,
            "title": "Record an adverse incident",
            "intro": (
                "A reportable adverse incident must be reported to the health "
                "plan by the end of the next business day after it occurred."
            ),
            "submit_label": "Record incident",
        },
    )


@staff_required
def report_incident(request, pk):
    """Record the report to the health plan; meets the report deadline."""
    incident = get_program_object(request, AdverseIncident, pk, "program", "member")
    form = ReportToPlanForm(request.POST or None, program=incident.program)
    if request.method == "POST":
        reported = call_service(
            form,
            lambda data: services.report_incident_to_plan(
                incident, reported_at=data["reported_to_plan_at"], by=request.user
            ),
        )
        if reported is not None:
            messages.success(request, "Report to the health plan recorded.")
            return redirect(incident.member)
    return render(
        request,
        "record_form.html",
        {
            "form": form,
            "member": incident.member,
            "title": "Record the report to the health plan",
            "intro": (
                f"{incident.get_kind_display()}, occurred "
                f"{format_local(incident.occurred_at, incident.program.tz)}."
            ),
            "submit_label": "Record report",
        },
    )


@staff_required
def withdraw_incident(request, pk):
    incident = get_program_object(request, AdverseIncident, pk, "member")
    return withdraw_page(
        request, incident, services.withdraw_incident, title="Incident"
    )
