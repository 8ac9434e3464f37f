"""Deadlines, the alerts raised on them, and the notification outbox."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from iop.models import Member, Program

from .rules import RULE_CHOICES, RULES


class State(models.TextChoices):
    OPEN = "open", "Open"
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    MET = "met", "Met"
    MET_LATE = "met_late", "Met late"
    CANCELLED = "cancelled", "Cancelled"


OPEN_CONDITION = models.Q(met_at__isnull=True, cancelled_at__isnull=True)


class Deadline(models.Model):
    """One clock of one rule for one record: started, due, met or cancelled.

    The subject is the record that started the clock (a referral, an
    evaluation, an admission, a discharge, an incident); member and program
    are copied onto the row for filtering. The state is derived from the
    stored instants and a given time (see selectors.with_state), never
    stored. `length` is the rule's length in force when the clock started.
    """

    rule = models.CharField(max_length=40, choices=RULE_CHOICES)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="deadlines"
    )
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    length = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    due_soon_at = models.DateTimeField()
    met_at = models.DateTimeField(null=True, blank=True)
    met_by_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    met_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    met_by = GenericForeignKey("met_by_type", "met_by_id")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    # The record whose change cancelled the deadline, when it is not the
    # subject itself: withdrawing that record opens the deadline again.
    cancelled_by_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    cancelled_by = GenericForeignKey("cancelled_by_type", "cancelled_by_id")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_type", "subject_id"],
                name="one_deadline_per_rule_and_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(cancelled_at__isnull=True)
                | models.Q(met_at__isnull=True),
                name="deadline_not_both_met_and_cancelled",
            ),
            models.CheckConstraint(
                condition=models.Q(cancelled_at__isnull=True)
                | ~models.Q(cancel_reason=""),
                name="cancelled_deadline_has_reason",
            ),
        ]
        indexes = [
            # The sweep and the dashboard read only open deadlines; these stay
            # small however many met rows accumulate.
            models.Index(
                fields=["due_at"], condition=OPEN_CONDITION, name="deadline_open_due"
            ),
            models.Index(
                fields=["due_soon_at"],
                condition=OPEN_CONDITION,
                name="deadline_open_due_soon",
            ),
            models.Index(fields=["met_by_type", "met_by_id"], name="deadline_met_by"),
            models.Index(
                fields=["cancelled_by_type", "cancelled_by_id"],
                name="deadline_cancelled_by",
            ),
            models.Index(fields=["member", "rule"], name="deadline_member_rule"),
        ]

    def __str__(self):
        return f"{self.rule} #{self.pk}"

    @property
    def title(self):
        rule = RULES.get(self.rule)
        return rule.title if rule else self.rule

    @property
    def is_open(self):
        return self.met_at is None and self.cancelled_at is None


class AlertKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"


class Alert(models.Model):
    """A notice that a deadline is due soon or overdue, raised once per kind.

    `raised_at` is the sweep's time (which may be given to the command);
    `created_at` is when the row was written.
    """

    deadline = models.ForeignKey(
        Deadline, on_delete=models.PROTECT, related_name="alerts"
    )
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    raised_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "kind"], name="one_alert_per_deadline_and_kind"
            )
        ]

    def __str__(self):
        return f"{self.kind} alert on deadline #{self.deadline_id}"


class Notification(models.Model):
    """An outbox row: one alert to send to the program's directors.

    Written in the sweep's transaction. A sender claims a row by setting
    `sent_at` with a conditional update, so two senders never send the same
    alert.
    """

    alert = models.OneToOneField(
        Alert, on_delete=models.PROTECT, related_name="notification"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    recipients = models.JSONField(default=list, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="notification_unsent",
            )
        ]

    def __str__(self):
        return f"notification for alert #{self.alert_id}"


class RuleSetting(models.Model):
    """A program's stricter length for one rule.

    A program may shorten a rule, never lengthen it past the specification.
    The new length applies to deadlines opened after the change; each change
    is written to the audit trail.
    """

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="rule_settings"
    )
    rule = models.CharField(max_length=40, choices=RULE_CHOICES)
    length = models.PositiveIntegerField()
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["program", "rule"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "rule"], name="one_setting_per_program_rule"
            )
        ]

    def __str__(self):
        return f"{self.program}: {self.rule} = {self.length}"
