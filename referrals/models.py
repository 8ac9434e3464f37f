"""Referral, evaluation and admission: the start of a member's stay."""

from django.db import models
from django.db.models import Q
from django.urls import reverse

from iop.models import Member, Program, StaffMember, WithdrawableModel

from .choices import EvaluationOutcome, PlanProduct, ReferralKind, ReferralSource


class Referral(WithdrawableModel):
    """A request to treat a member, from a source such as an ESP or an
    inpatient unit.

    A diversion referral must be evaluated within 1 day, a step-down referral
    within 2 days (specification, admission process, clause 1).
    """

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="referrals"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=32, choices=ReferralSource.choices)
    kind = models.CharField(max_length=16, choices=ReferralKind.choices)
    plan_product = models.CharField(
        "health plan product", max_length=16, choices=PlanProduct.choices
    )
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"Referral #{self.pk}"

    def get_absolute_url(self):
        return reverse("member-detail", args=[self.member_id])


class Evaluation(WithdrawableModel):
    """The first clinical assessment after referral, which decides admission.

    Any outcome but admit cancels the admission deadline.
    """

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="evaluations"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField()
    evaluated_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="evaluations"
    )
    outcome = models.CharField(max_length=24, choices=EvaluationOutcome.choices)

    class Meta:
        ordering = ["-completed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_evaluation_per_referral",
            )
        ]

    def __str__(self):
        return f"Evaluation #{self.pk}"

    @property
    def is_in_force(self):
        """Whether neither the evaluation nor its referral is withdrawn."""
        return not self.is_withdrawn and not self.referral.is_withdrawn


class Admission(WithdrawableModel):
    """A member's start in the program, within 24 hours of the evaluation.

    `closed_at` is set by the discharge (or by withdrawal); a member has at
    most one admission with no `closed_at`, enforced by the database.
    """

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.PROTECT, related_name="admissions"
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="admissions"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    admitted_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-admitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(closed_at__isnull=True),
                name="one_open_admission_per_member",
            ),
            models.UniqueConstraint(
                fields=["evaluation"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_admission_per_evaluation",
            ),
        ]

    def __str__(self):
        return f"Admission #{self.pk}"

    @property
    def is_open(self):
        return self.closed_at is None
