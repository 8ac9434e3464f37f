"""Read queries for the member list and the member page."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery

from deadlines.selectors import with_state
from discharge.models import Appointment, Discharge
from incidents.models import AdverseIncident
from referrals.choices import EvaluationOutcome
from referrals.models import Admission, Evaluation, Referral
from treatment.models import CareTeamAssignment

from .models import Member

REGISTERED = "registered"
REFERRED = "referred"
EVALUATED = "evaluated"
ADMITTED = "admitted"
DISCHARGED = "discharged"

STAGE_LABELS = {
    REGISTERED: "Registered",
    REFERRED: "Referred",
    EVALUATED: "Evaluated",
    ADMITTED: "Admitted",
    DISCHARGED: "Discharged",
}


def _latest(model, field):
    """Return a subquery for the latest `field` of the member's records of
    `model` that are not withdrawn."""
    return Subquery(
        model.objects.filter(member=OuterRef("pk"), withdrawn_at__isnull=True)
        .order_by(f"-{field}")
        .values(field)[:1]
    )


def search_members(program, query=""):
    """Return the program's members matching every word of `query`.

    A word matches the first name, the last name or the health plan member
    ID, ignoring case.
    """
    members = Member.objects.filter(program=program)
    for word in query.split():
        members = members.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(plan_member_id__icontains=word)
        )
    return members


def with_stage_and_deadlines(members, as_of):
    """Annotate members with the times that decide their stage and with
    counts of their open and overdue deadlines as of `as_of`."""
    open_admission = Admission.objects.filter(
        member=OuterRef("pk"), closed_at__isnull=True, withdrawn_at__isnull=True
    )
    is_open = Q(deadlines__met_at__isnull=True, deadlines__cancelled_at__isnull=True)
    return members.annotate(
        last_referred_at=_latest(Referral, "received_at"),
        last_evaluated_at=_latest(Evaluation, "completed_at"),
        last_discharged_at=_latest(Discharge, "discharged_at"),
        has_open_admission=Exists(open_admission),
        open_deadline_count=Count("deadlines", filter=is_open),
        overdue_count=Count(
            "deadlines", filter=is_open & Q(deadlines__due_at__lt=as_of)
        ),
    ).order_by("last_name", "first_name", "id")


def stage_of(member):
    """Return the stage of a member annotated by with_stage_and_deadlines.

    An open admission means admitted. Otherwise the latest record decides:
    a referral received after a discharge starts a new stay, so the member
    is referred again. Withdrawn records do not count.
    """
    if member.has_open_admission:
        return ADMITTED
    events = [
        (member.last_referred_at, 0, REFERRED),
        (member.last_evaluated_at, 1, EVALUATED),
        (member.last_discharged_at, 2, DISCHARGED),
    ]
    events = [event for event in events if event[0] is not None]
    if not events:
        return REGISTERED
    return max(events)[2]


@dataclass
class MemberStay:
    """A member's records stage by stage, as the member page shows them."""

    referrals: list
    incidents: list
    has_open_admission: bool


def member_stay(member, as_of):
    """Load the member's records stage by stage, each with its deadlines.

    Referrals and incidents come oldest first. Each referral carries its
    evaluations, each evaluation its admissions, each admission its care
    team and discharges, each discharge its appointments. Every record gets
    a `deadline_list`: the deadlines it started, annotated with their state
    as of `as_of`. Referrals get `needs_evaluation` and evaluations
    `needs_admission`, true when the next stage can be recorded on them.
    """
    referrals = list(
        member.referrals.order_by("received_at", "id").prefetch_related(
            Prefetch(
                "evaluations",
                queryset=Evaluation.objects.select_related(
                    "evaluated_by__user"
                ).order_by("completed_at", "id"),
            ),
            Prefetch(
                "evaluations__admissions",
                queryset=Admission.objects.order_by("admitted_at", "id"),
            ),
            Prefetch(
                "evaluations__admissions__team_assignments",
                queryset=CareTeamAssignment.objects.select_related("staff__user"),
            ),
            Prefetch(
                "evaluations__admissions__discharges",
                queryset=Discharge.objects.order_by("discharged_at", "id"),
            ),
            Prefetch(
                "evaluations__admissions__discharges__appointments",
                queryset=Appointment.objects.order_by("scheduled_on", "id"),
            ),
        )
    )
    incidents = list(
        AdverseIncident.objects.filter(member=member).order_by("occurred_at", "id")
    )
    records = _walk(referrals)
    _attach_deadlines(member, as_of, records + incidents)
    _mark_next_steps(referrals)
    has_open_admission = any(
        isinstance(record, Admission) and record.is_open and not record.is_withdrawn
        for record in records
    )
    return MemberStay(referrals, incidents, has_open_admission)


def _walk(referrals):
    """List every referral, evaluation, admission and discharge in page
    order."""
    records = []
    for referral in referrals:
        records.append(referral)
        for evaluation in referral.evaluations.all():
            records.append(evaluation)
            for admission in evaluation.admissions.all():
                records.append(admission)
                records.extend(admission.discharges.all())
    return records


def _mark_next_steps(referrals):
    for referral in referrals:
        evaluations = referral.evaluations.all()
        referral.needs_evaluation = not referral.is_withdrawn and all(
            evaluation.is_withdrawn for evaluation in evaluations
        )
        for evaluation in evaluations:
            evaluation.needs_admission = (
                not evaluation.is_withdrawn
                and not referral.is_withdrawn
                and evaluation.outcome == EvaluationOutcome.ADMIT
                and all(
                    admission.is_withdrawn for admission in evaluation.admissions.all()
                )
            )


def _attach_deadlines(member, as_of, records):
    deadlines = with_state(member.deadlines.order_by("due_at", "id"), as_of)
    by_subject = {}
    for deadline in deadlines:
        key = (deadline.subject_type_id, deadline.subject_id)
        by_subject.setdefault(key, []).append(deadline)
    content_types = ContentType.objects.get_for_models(
        *{type(record) for record in records}
    )
    for record in records:
        key = (content_types[type(record)].id, record.pk)
        record.deadline_list = by_subject.get(key, [])


def census(program):
    """Count the program's members currently admitted."""
    return Admission.objects.filter(
        program=program, closed_at__isnull=True, withdrawn_at__isnull=True
    ).count()
