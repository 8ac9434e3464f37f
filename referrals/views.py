"""Pages to record and withdraw referrals, evaluations and admissions."""

from django.contrib import messages
from django.shortcuts import redirect, render

from iop.choices import CLINICAL_ROLES
from iop.forms import call_service
from iop.models import Member
from iop.validation import format_local
from iop.views import get_program_object, staff_required, withdraw_page

from . import services
from .forms import AdmissionForm, EvaluationForm, ReferralForm
from .models import Admission, Evaluation, Referral


@staff_required(roles=CLINICAL_ROLES)
def record_referral(request, member_id):
    """Record a referral for the member; opens its evaluation deadline."""
    member = get_program_object(request, Member, member_id, "program")
    form = ReferralForm(request.POST or None, program=member.program)
    if request.method == "POST":
        referral = call_service(
            form,
            lambda data: services.record_referral(member, by=request.user, **data),
        )
        if referral is not None:
            messages.success(request, "Referral recorded.")
            return redirect(member)
    return render(
        request,
        "record_form.html",
        {
            "form": form,
            "member": member,
            "title": "Record a referral",
            "submit_label": "Record referral",
        },
    )


@staff_required(roles=CLINICAL_ROLES)
def record_evaluation(request, pk):
    """Record the evaluation of a referral; meets its evaluation deadline."""
    referral = get_program_object(request, Referral, pk, "program", "member")
    form = EvaluationForm(
        request.POST or None,
        program=referral.program,
        initial={"evaluated_by": request.staff},
    )
    if request.method == "POST":
        evaluation = call_service(
            form,
            lambda data: services.record_evaluation(referral, by=request.user, **data),
        )
        if evaluation is not None:
            messages.success(request, "Evaluation recorded.")
            return redirect(referral.member)
    return render(
        request,
        "record_form.html",
        {
            "form": form,
            "member": referral.member,
            "title": "Record the evaluation",
            "intro": (
                "Referral received "
                f"{format_local(referral.received_at, referral.program.tz)}. "
                f"{referral.get_kind_display()}."
            ),
            "submit_label": "Record evaluation",
        },
    )


@staff_required(roles=CLINICAL_ROLES)
def admit_member(request, pk):
    """Admit the evaluated member; meets the admission deadline."""
    evaluation = get_program_object(request, Evaluation, pk, "program", "member")
    form = AdmissionForm(request.POST or None, program=evaluation.program)
    if request.method == "POST":
        admission = call_service(
            form,
            lambda data: services.admit_member(evaluation, by=request.user, **data),
        )
        if admission is not None:
            messages.success(request, "Member admitted.")
            return redirect(evaluation.member)
    return render(
        request,
        "record_form.html",
        {
            "form": form,
            "member": evaluation.member,
            "title": "Admit the member",
            "intro": (
                "Evaluation completed "
                f"{format_local(evaluation.completed_at, evaluation.program.tz)}, "
                f"outcome: {evaluation.get_outcome_display().lower()}."
            ),
            "submit_label": "Admit",
        },
    )


@staff_required(roles=CLINICAL_ROLES)
def withdraw_referral(request, pk):
    referral = get_program_object(request, Referral, pk, "member")
    return withdraw_page(
        request, referral, services.withdraw_referral, title="Referral"
    )


@staff_required(roles=CLINICAL_ROLES)
def withdraw_evaluation(request, pk):
    evaluation = get_program_object(request, Evaluation, pk, "member")
    return withdraw_page(
        request, evaluation, services.withdraw_evaluation, title="Evaluation"
    )


@staff_required(roles=CLINICAL_ROLES)
def withdraw_admission(request, pk):
    admission = get_program_object(request, Admission, pk, "member")
    return withdraw_page(
        request, admission, services.withdraw_admission, title="Admission"
    )
