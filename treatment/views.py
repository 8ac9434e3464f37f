"""Pages to assign the care team and take people off it."""

from django.contrib import messages
from django.shortcuts import redirect, render

from iop.choices import CLINICAL_ROLES
from iop.forms import call_service
from iop.validation import format_local
from iop.views import get_program_object, staff_required, withdraw_page
from referrals.models import Admission

from . import services
from .forms import EndAssignmentForm, TeamAssignmentForm
from .models import CareTeamAssignment


@staff_required(roles=CLINICAL_ROLES)
def assign_team_member(request, pk):
    """Put a staff member on the admission's care team."""
    admission = get_program_object(request, Admission, pk, "program", "member")
    form = TeamAssignmentForm(request.POST or None, program=admission.program)
    if request.method == "POST":
        assignment = call_service(
            form,
            lambda data: services.assign_team_member(
                admission, by=request.user, **data
            ),
        )
        if assignment is not None:
            messages.success(request, "Care team member added.")
            return redirect(admission.member)
    return render(
        request,
        "record_form.html",
        {
            "form": form,
            "member": admission.member,
            "title": "Add a care team member",
            "intro": (
                "Admitted "
                f"{format_local(admission.admitted_at, admission.program.tz)}. "
                "The care team deadline is met once the team has 2 people of "
                "different disciplines, 1 of them independently licensed."
            ),
            "submit_label": "Add to team",
        },
    )


@staff_required(roles=CLINICAL_ROLES)
def end_team_assignment(request, pk):
    """Take a person off the care team; a met deadline stays met."""
    assignment = get_program_object(
        request, CareTeamAssignment, pk, "program", "member", "staff__user"
    )
    form = EndAssignmentForm(request.POST or None, program=assignment.program)
    if request.method == "POST":
        ended = call_service(
            form,
            lambda data: services.end_team_assignment(
                assignment, by=request.user, **data
            ),
        )
        if ended is not None:
            messages.success(request, "Care team member taken off the team.")
            return redirect(assignment.member)
    return render(
        request,
        "record_form.html",
        {
            "form": form,
            "member": assignment.member,
            "title": "Take a person off the care team",
            "intro": f"{assignment.staff} leaves the team.",
            "submit_label": "Take off the team",
        },
    )


@staff_required(roles=CLINICAL_ROLES)
def withdraw_team_assignment(request, pk):
    assignment = get_program_object(request, CareTeamAssignment, pk, "member")
    return withdraw_page(
        request,
        assignment,
        services.withdraw_team_assignment,
        title="Care team assignment",
    )
