"""The care team of an admission."""

from django.db import models
from django.db.models import Q

from iop.choices import Discipline
from iop.models import Member, Program, StaffMember, WithdrawableModel
from referrals.models import Admission


class CareTeamAssignment(WithdrawableModel):
    """One staff member on an admission's multidisciplinary treatment team.

    The team must be assigned within 24 hours of admission and count at least
    2 people of different disciplines, 1 of them independently licensed
    (specification, treatment planning, clauses 3 and 5). Discipline and
    licensure are copied from the staff record when the person joins, so the
    team's history does not change when a credential does. Ending an
    assignment (the person leaves the team) does not undo a met deadline;
    withdrawing one entered in error does.
    """

    admission = models.ForeignKey(
        Admission, on_delete=models.PROTECT, related_name="team_assignments"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="team_assignments"
    )
    discipline = models.CharField(max_length=32, choices=Discipline.choices)
    is_independently_licensed = models.BooleanField()
    team_role = models.CharField(
        max_length=60, blank=True, help_text="For example primary clinician."
    )
    assigned_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    end_reason = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["assigned_at", "id"]
        verbose_name = "care team member"
        constraints = [
            models.UniqueConstraint(
                fields=["admission", "staff"],
                condition=Q(withdrawn_at__isnull=True, ended_at__isnull=True),
                name="one_active_assignment_per_staff_and_admission",
            )
        ]

    def __str__(self):
        return f"Team assignment #{self.pk}"
