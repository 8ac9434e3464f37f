"""Reportable adverse incidents."""

from django.conf import settings
from django.db import models

from iop.models import Member, Program, WithdrawableModel

from .choices import IncidentKind


class AdverseIncident(WithdrawableModel):
    """An event that harms or risks harm to a member, or to others by a
    member's action.

    Reported to the health plan within 1 business day of its occurrence
    (specification, quality management, clause 4). The clock starts at
    `occurred_at`; `discovered_at` is shown beside it.
    """

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="incidents"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=IncidentKind.choices)
    occurred_at = models.DateTimeField()
    discovered_at = models.DateTimeField()
    description = models.TextField(blank=True)
    reported_to_plan_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        return f"Incident #{self.pk}"
