"""Discharge and the appointments the member leaves with."""

from django.db import models
from django.db.models import Q

from iop.models import Member, Program, WithdrawableModel
from referrals.models import Admission

from .choices import AppointmentKind, Disposition


class Discharge(WithdrawableModel):
    """The end of a member's stay, planned or not.

    Opens the aftercare-appointment deadline and, for a member on
    medications, the medication-monitoring deadline (specification,
    discharge planning, clauses 6 and 7), except after a death or a transfer
    to a higher level of care, which cancel them.
    """

    admission = models.ForeignKey(
        Admission, on_delete=models.PROTECT, related_name="discharges"
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="discharges"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    discharged_at = models.DateTimeField()
    disposition = models.CharField(max_length=24, choices=Disposition.choices)
    on_medications = models.BooleanField(
        help_text="Discharged on psychiatric medications: a medication-monitoring "
        "appointment within 14 days is then required."
    )

    class Meta:
        ordering = ["-discharged_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["admission"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_discharge_per_admission",
            )
        ]

    def __str__(self):
        return f"Discharge #{self.pk}"


class Appointment(WithdrawableModel):
    """An appointment after discharge: aftercare, or medication monitoring.

    The appointment's date must fall within the rule's window (7 or 14 days
    from the discharge date) and it must be recorded by the end of the
    discharge day; the deadline is met when it is recorded.
    """

    discharge = models.ForeignKey(
        Discharge, on_delete=models.PROTECT, related_name="appointments"
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=AppointmentKind.choices)
    scheduled_on = models.DateField("appointment date")
    scheduled_time = models.TimeField("appointment time", null=True, blank=True)
    provider = models.CharField(max_length=200)

    class Meta:
        ordering = ["scheduled_on", "id"]

    def __str__(self):
        return f"Appointment #{self.pk}"
