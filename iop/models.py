"""Programs, members, staff and the audit trail shared by every app."""

import zoneinfo

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from .choices import Discipline, Population, Role, State


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known timezone; use an IANA name such as "
            "America/New_York.",
            code="invalid_timezone",
            params={"value": value},
        )


class Program(models.Model):
    """One IOP site and its staff.

    An adult program is open seven days a week; a child and adolescent
    program at least five. Calendar-day deadlines are read in the program's
    timezone, and business days skip the legal holidays of its state.
    """

    name = models.CharField(max_length=200, unique=True)
    population = models.CharField(max_length=20, choices=Population.choices)
    timezone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_timezone]
    )
    state = models.CharField(
        max_length=2,
        choices=State.choices,
        default=State.MASSACHUSETTS,
        help_text="Whose legal holidays are skipped when counting business days.",
    )
    days_open_per_week = models.PositiveSmallIntegerField(default=7)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(days_open_per_week__lte=7),
                name="program_days_open_at_most_7",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(population="adult", days_open_per_week=7)
                    | models.Q(population="child_adolescent", days_open_per_week__gte=5)
                ),
                name="program_days_open_fit_population",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.population == Population.ADULT and self.days_open_per_week != 7:
            raise ValidationError(
                {
                    "days_open_per_week": (
                        "An adult program must be open 7 days a week; enter 7."
                    )
                }
            )
        if self.population == Population.CHILD_ADOLESCENT and not (
            5 <= (self.days_open_per_week or 0) <= 7
        ):
            raise ValidationError(
                {
                    "days_open_per_week": (
                        "A child and adolescent program must be open at least "
                        "5 days a week; enter a number from 5 to 7."
                    )
                }
            )

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.timezone)


class ProgramClosure(models.Model):
    """A day the program is closed besides its state's legal holidays.

    Closure days are not business days, so they push the adverse-incident
    reporting deadline to the next open day.
    """

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="closures"
    )
    closed_on = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["closed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "closed_on"], name="one_closure_per_program_day"
            )
        ]

    def __str__(self):
        return f"{self.program} closed {self.closed_on}"


class StaffMember(models.Model):
    """A person who works in a program, with their discipline and licence.

    Discipline and licensure belong to the person: a care team counts each
    person once, whatever their roles. Independently licensed means allowed to
    practise without supervision (MD/DO, licensed psychologist, LICSW, LMHC,
    LMFT, psychiatric nurse practitioner); an RN or LSW is not.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(max_length=20, choices=Role.choices)
    discipline = models.CharField(max_length=32, choices=Discipline.choices)
    credentials = models.CharField(
        max_length=40, blank=True, help_text="For example MD, LICSW, LMHC, RN."
    )
    is_independently_licensed = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = "staff member"

    def __str__(self):
        name = self.user.get_full_name() or self.user.get_username()
        return f"{name}, {self.credentials}" if self.credentials else name

    @property
    def can_record_clinical(self):
        from .choices import CLINICAL_ROLES

        return self.role in CLINICAL_ROLES


class Member(models.Model):
    """A person the program treats: the health plan's enrollee.

    Every member in demo and test data is synthetic.
    """

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="members"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    plan_member_id = models.CharField(
        "health plan member ID", max_length=40, help_text="The plan's enrollee ID."
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            # Plan IDs are typed by hand, so "abc123" and "ABC123" are one ID.
            models.UniqueConstraint(
                "program",
                Lower("plan_member_id"),
                name="one_member_per_plan_id_in_program",
            )
        ]

    def __str__(self):
        return f"{self.last_name}, {self.first_name}"

    def get_absolute_url(self):
        return reverse("member-detail", args=[self.pk])

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class RecordedModel(models.Model):
    """The person who entered a record and the time the server stored it.

    `recorded_at` is set by the server and never taken from input; the
    clinical time of the event lives in each record's own field.
    """

    recorded_at = models.DateTimeField(editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True


class WithdrawableModel(RecordedModel):
    """A clinical record that is withdrawn with a reason, never deleted."""

    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    withdrawal_reason = models.TextField(blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None

    @property
    def is_in_force(self):
        """Whether the record is still valid, so the deadlines it started can
        still be met. Records that depend on another one override this."""
        return not self.is_withdrawn


class AuditEntry(models.Model):
    """One read or change of member data, or of a setting, by a person.

    The audit trail is database data written by services and views; it is
    kept apart from the technical log, which never names a member.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        help_text="Empty for changes made by the system itself (the sweep).",
    )
    action = models.CharField(max_length=40)
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self):
        return f"{self.action} at {self.at:%Y-%m-%d %H:%M}"
