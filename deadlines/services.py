"""Opening, meeting, reopening and cancelling deadlines; the sweep.

Each app's services call these functions inside their own transaction, so a
record and its deadlines are written together or not at all. This module
imports no app: subjects are referenced by content type and id.
"""

import datetime as dt
import logging

from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from iop.audit import record_audit
from iop.errors import ServiceError
from iop.models import StaffMember

from .models import (
    OPEN_CONDITION,
    Alert,
    AlertKind,
    Deadline,
    Notification,
    RuleSetting,
)
from .rules import RULES, compute_due_at, compute_due_soon_at

logger = logging.getLogger(__name__)

SWEEP_BATCH_SIZE = 500
MAX_SEND_ATTEMPTS = 5


def _content_type(record):
    return ContentType.objects.get_for_model(record)


def rule_length_for(program, rule_key):
    """Return the length of `rule_key` in force for `program`."""
    setting = RuleSetting.objects.filter(program=program, rule=rule_key).first()
    return setting.length if setting else RULES[rule_key].length


def open_deadline(rule_key, subject, *, started_at, member, program):
    """Start the clock of `rule_key` for `subject` and return the deadline.

    Call inside the transaction that writes the subject. The unique
    constraint on (rule, subject) makes a second call for the same subject
    fail rather than open a second clock.
    """
    rule = RULES[rule_key]
    length = rule_length_for(program, rule_key)
    tz = program.tz
    closed_days = frozenset(program.closures.values_list("closed_on", flat=True))
    due_at = compute_due_at(
        rule,
        started_at,
        tz=tz,
        state=program.state,
        length=length,
        closed_days=closed_days,
    )
    return Deadline.objects.create(
        rule=rule_key,
        program=program,
        member=member,
        subject_type=_content_type(subject),
        subject_id=subject.pk,
        length=length,
        started_at=started_at,
        due_at=due_at,
        due_soon_at=compute_due_soon_at(rule, due_at, tz=tz, length=length),
    )


def deadline_for(rule_key, subject):
    """Return the deadline of `rule_key` started by `subject`, or None."""
    return Deadline.objects.filter(
        rule=rule_key, subject_type=_content_type(subject), subject_id=subject.pk
    ).first()


def meet_deadline(rule_key, subject, *, met_at, met_by):
    """Mark the open deadline of `rule_key` for `subject` as met.

    `met_at` is the clinical time of the meeting event and `met_by` the
    record that met it. Returns the deadline, or None when there is no open
    one (already met, cancelled, or never opened).
    """
    deadline = (
        Deadline.objects.select_for_update()
        .filter(
            OPEN_CONDITION,
            rule=rule_key,
            subject_type=_content_type(subject),
            subject_id=subject.pk,
        )
        .first()
    )
    if deadline is None:
        return None
    deadline.met_at = met_at
    deadline.met_by_type = _content_type(met_by)
    deadline.met_by_id = met_by.pk
    deadline.save(update_fields=["met_at", "met_by_type", "met_by_id"])
    return deadline


def _audit_met_change(deadline, action, *, actor, reason, at, previous_met_at):
    record_audit(
        actor,
        action,
        deadline,
        member=deadline.member,
        program=deadline.program,
        at=at,
        detail={
            "reason": reason,
            "previous_met_at": previous_met_at.isoformat(),
            "met_at": deadline.met_at.isoformat() if deadline.met_at else None,
        },
    )


def _clear_met(deadline):
    deadline.met_at = None
    deadline.met_by_type = None
    deadline.met_by_id = None


def reopen_deadlines_met_by(record, *, actor, reason, at):
    """Open again every deadline that `record` had met, and audit each.

    Used when `record` is withdrawn as entered in error: the same deadline
    row opens again, with its original due time. A deadline whose own subject
    has been withdrawn meanwhile can never be met again, so it is cancelled
    instead. Returns the deadlines that are open again.
    """
    deadlines = list(
        Deadline.objects.select_for_update().filter(
            met_by_type=_content_type(record), met_by_id=record.pk
        )
    )
    reopened = []
    for deadline in deadlines:
        previous_met_at = deadline.met_at
        _clear_met(deadline)
        if not getattr(deadline.subject, "is_in_force", True):
            deadline.cancelled_at = at
            deadline.cancel_reason = f"{reason}; its record was withdrawn"[:200]
        else:
            reopened.append(deadline)
        deadline.save(
            update_fields=[
                "met_at",
                "met_by_type",
                "met_by_id",
                "cancelled_at",
                "cancel_reason",
            ]
        )
        _audit_met_change(
            deadline,
            "deadline.reopened" if deadline.is_open else "deadline.cancelled",
            actor=actor,
            reason=reason,
            at=at,
            previous_met_at=previous_met_at,
        )
    return reopened


def sync_deadline_met(rule_key, subject, *, met_at, met_by, actor, reason, at):
    """Set the deadline's met time and record to what the records now show.

    For rules whose meeting is recomputed from several records (the care
    team): `met_by` None opens the deadline again, another record or time
    moves the met time. Each change to a deadline that was met is audited.
    A cancelled deadline is left alone. Returns the deadline or None.
    """
    deadline = (
        Deadline.objects.select_for_update()
        .filter(
            rule=rule_key, subject_type=_content_type(subject), subject_id=subject.pk
        )
        .first()
    )
    if deadline is None or deadline.cancelled_at is not None:
        return deadline

    previous_met_at = deadline.met_at
    if met_by is None:
        if previous_met_at is None:
            return deadline
        _clear_met(deadline)
        action = "deadline.reopened"
    else:
        met_by_type = _content_type(met_by)
        is_same = (
            deadline.met_at == met_at
            and deadline.met_by_type_id == met_by_type.id
            and deadline.met_by_id == met_by.pk
        )
        if is_same:
            return deadline
        deadline.met_at = met_at
        deadline.met_by_type = met_by_type
        deadline.met_by_id = met_by.pk
        action = "deadline.met_changed"

    deadline.save(update_fields=["met_at", "met_by_type", "met_by_id"])
    if previous_met_at is not None:
        _audit_met_change(
            deadline,
            action,
            actor=actor,
            reason=reason,
            at=at,
            previous_met_at=previous_met_at,
        )
    return deadline


def _cause_fields(cause):
    if cause is None:
        return {}
    return {"cancelled_by_type": _content_type(cause), "cancelled_by_id": cause.pk}


def cancel_deadlines(subject, *, reason, at, rule_key=None, cause=None):
    """Cancel the open deadlines started by `subject`, with `reason`.

    With `rule_key`, cancel only that rule's deadline. `cause` is the record
    whose change cancels them, when not the subject itself. Met deadlines
    stay met. Returns the number cancelled.
    """
    deadlines = Deadline.objects.filter(
        OPEN_CONDITION, subject_type=_content_type(subject), subject_id=subject.pk
    )
    if rule_key is not None:
        deadlines = deadlines.filter(rule=rule_key)
    return deadlines.update(
        cancelled_at=at, cancel_reason=reason[:200], **_cause_fields(cause)
    )


def reopen_deadlines_cancelled_by(cause, *, actor, reason, at):
    """Open again the deadlines that `cause` cancelled, and audit each.

    Used when `cause` is withdrawn as entered in error. A deadline whose own
    subject is withdrawn stays cancelled. Returns the deadlines reopened.
    """
    reopened = []
    deadlines = Deadline.objects.select_for_update().filter(
        cancelled_by_type=_content_type(cause), cancelled_by_id=cause.pk
    )
    for deadline in deadlines:
        if not getattr(deadline.subject, "is_in_force", True):
            continue
        previous_reason = deadline.cancel_reason
        deadline.cancelled_at = None
        deadline.cancel_reason = ""
        deadline.cancelled_by_type = None
        deadline.cancelled_by_id = None
        deadline.save(
            update_fields=[
                "cancelled_at",
                "cancel_reason",
                "cancelled_by_type",
                "cancelled_by_id",
            ]
        )
        record_audit(
            actor,
            "deadline.reopened",
            deadline,
            member=deadline.member,
            program=deadline.program,
            at=at,
            detail={"reason": reason, "previous_cancel_reason": previous_reason},
        )
        reopened.append(deadline)
    return reopened


def void_deadlines(subject, *, reason, actor, at):
    """Cancel every deadline started by a record withdrawn as entered in error.

    Met deadlines are cancelled too, since the record they belong to never
    existed and must not count in compliance figures; each such change is
    audited. Returns the number cancelled.
    """
    # Deadlines cancelled earlier for another cause now belong to a record
    # that never existed: restate the reason and drop the cause, so that
    # withdrawing that cause later does not open them again.
    Deadline.objects.filter(
        subject_type=_content_type(subject),
        subject_id=subject.pk,
        cancelled_at__isnull=False,
    ).update(cancel_reason=reason[:200], cancelled_by_type=None, cancelled_by_id=None)
    cancelled = cancel_deadlines(subject, reason=reason, at=at)
    met = Deadline.objects.select_for_update().filter(
        subject_type=_content_type(subject),
        subject_id=subject.pk,
        met_at__isnull=False,
    )
    for deadline in met:
        previous_met_at = deadline.met_at
        _clear_met(deadline)
        deadline.cancelled_at = at
        deadline.cancel_reason = reason[:200]
        deadline.save(
            update_fields=[
                "met_at",
                "met_by_type",
                "met_by_id",
                "cancelled_at",
                "cancel_reason",
            ]
        )
        _audit_met_change(
            deadline,
            "deadline.cancelled",
            actor=actor,
            reason=reason,
            at=at,
            previous_met_at=previous_met_at,
        )
        cancelled += 1
    return cancelled


def cancel_member_deadlines(member, rule_key, *, reason, at, except_subject, cause):
    """Cancel the member's open deadlines of `rule_key` started by records
    other than `except_subject`, because of `cause`; return how many were
    cancelled."""
    return (
        Deadline.objects.filter(OPEN_CONDITION, member=member, rule=rule_key)
        .exclude(
            subject_type=_content_type(except_subject), subject_id=except_subject.pk
        )
        .update(cancelled_at=at, cancel_reason=reason[:200], **_cause_fields(cause))
    )


def set_rule_length(program, rule_key, length, *, by, as_of=None):
    """Set a program's stricter length for a rule and audit the change.

    Raises ServiceError when the length is longer than the specification
    allows or shorter than the rule's minimum. Deadlines already open keep
    the length they started with.
    """
    as_of = as_of or timezone.now()
    rule = RULES.get(rule_key)
    if rule is None:
        raise ServiceError("rule", "unknown_rule", f"There is no rule {rule_key!r}.")
    if not isinstance(length, int) or isinstance(length, bool):
        raise ServiceError(
            "length",
            "invalid",
            f"{rule.title}: the length must be a whole number of "
            f"{rule.length_unit}; enter a number from {rule.min_length} to "
            f"{rule.length}.",
        )
    if length > rule.length:
        raise ServiceError(
            "length",
            "looser_than_specification",
            f"{rule.title}: the specification allows at most {rule.length} "
            f"{rule.length_unit}; enter {rule.length} or less.",
        )
    if length < rule.min_length:
        raise ServiceError(
            "length",
            "too_short",
            f"{rule.title}: enter at least {rule.min_length} "
            f"{rule.length_unit if rule.min_length != 1 else rule.length_unit[:-1]}.",
        )

    with transaction.atomic():
        previous = rule_length_for(program, rule_key)
        setting, _ = RuleSetting.objects.update_or_create(
            program=program,
            rule=rule_key,
            defaults={"length": length, "changed_at": as_of, "changed_by": by},
        )
        record_audit(
            by,
            "rule_setting.changed",
            setting,
            program=program,
            at=as_of,
            detail={"rule": rule_key, "from": previous, "to": length},
        )
    return setting


# The sweep


def _sweep_candidates(as_of):
    overdue_alerted = Alert.objects.filter(
        deadline=OuterRef("pk"), kind=AlertKind.OVERDUE
    )
    due_soon_alerted = Alert.objects.filter(
        deadline=OuterRef("pk"), kind=AlertKind.DUE_SOON
    )
    return (
        Deadline.objects.filter(OPEN_CONDITION, due_soon_at__lte=as_of)
        # A sweep run as of a past time must not add a due-soon alert to a
        # deadline already alerted as overdue.
        .filter(~Exists(overdue_alerted))
        .filter(Q(due_at__lt=as_of) | Q(due_at__gte=as_of) & ~Exists(due_soon_alerted))
        # Ordering by the column of the range filter lets SQLite read only the
        # due rows from deadline_open_due_soon. Ordered by due_at, it reads the
        # whole deadline_open_due index instead: 117 ms against 16 ms at
        # 100,000 open rows (bench/sweep_bench.py). PostgreSQL plans both alike.
        .order_by("due_soon_at", "id")
    )


def _raise_alert(deadline, as_of):
    # An unknown rule (say, one removed from the code) fails here, before
    # anything is written for this deadline.
    rule = RULES[deadline.rule]
    kind = AlertKind.OVERDUE if deadline.due_at < as_of else AlertKind.DUE_SOON
    alert = Alert.objects.create(deadline=deadline, kind=kind, raised_at=as_of)
    Notification.objects.create(alert=alert)
    logger.info(
        "deadline alert raised deadline_id=%s rule=%s kind=%s",
        deadline.id,
        rule.key,
        kind,
    )
    return alert


def sweep(as_of=None, *, batch_size=SWEEP_BATCH_SIZE, wake_sender=True):
    """Raise the due-soon and overdue alerts that are owed as of `as_of`.

    Open deadlines are locked with SKIP LOCKED, so two sweeps at once split
    the work instead of both raising the same alert. The unique constraint
    on (deadline, kind) is the last guard. A deadline whose processing fails
    is logged by id and left for the next sweep, and the others go on.
    With `wake_sender` False the notifications stay in the outbox for the
    next sender. Returns the alerts raised.
    """
    as_of = as_of or timezone.now()
    raised = []
    failed_ids = set()
    while True:
        with transaction.atomic():
            batch = list(
                _sweep_candidates(as_of)
                .exclude(id__in=failed_ids)
                .select_for_update(skip_locked=True)[:batch_size]
            )
            for deadline in batch:
                try:
                    with transaction.atomic():
                        raised.append(_raise_alert(deadline, as_of))
                except IntegrityError:
                    # Another sweep raised this alert between this sweep's
                    # read and its write, so nothing is left to do here.
                    logger.debug("alert already raised deadline_id=%s", deadline.id)
                except Exception:
                    failed_ids.add(deadline.id)
                    logger.exception(
                        "deadline sweep failed deadline_id=%s", deadline.id
                    )
            if raised and wake_sender:
                transaction.on_commit(_wake_sender)
        if len(batch) < batch_size:
            break
    return raised


def _wake_sender():
    from .tasks import send_notifications_task

    try:
        send_notifications_task.delay()
    except Exception:
        # The outbox rows are committed; the next sweep's sender picks them up.
        logger.warning("could not wake the notification sender", exc_info=True)


# Notifications


def _director_emails(program_id):
    return sorted(
        StaffMember.objects.filter(
            program_id=program_id, role="director", is_active=True
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def _deliver(notification, site_url):
    alert = notification.alert
    deadline = alert.deadline
    tz = deadline.program.tz
    recipients = _director_emails(deadline.program_id)
    if recipients:
        # The message names the member by record number only: email is not a
        # safe channel for names or diagnoses.
        kind = "Overdue" if alert.kind == AlertKind.OVERDUE else "Due soon"
        due_local = deadline.due_at.astimezone(tz)
        send_mail(
            subject=f"{kind}: {deadline.title} (member #{deadline.member_id})",
            message=(
                f"{deadline.title}\n"
                f"Member record #{deadline.member_id}\n"
                f"Due {due_local:%a %d %b %Y %H:%M} {due_local.tzname()}\n\n"
                f"{site_url}/members/{deadline.member_id}/\n"
            ),
            from_email=None,
            recipient_list=recipients,
        )
    return recipients


def send_pending_notifications(*, as_of=None, limit=200):
    """Send the unsent notifications of the outbox; return how many were sent.

    Each row is claimed with a conditional update on `sent_at`, so two
    senders running at once never send the same alert. A failed delivery
    gives the row back for a later try, up to MAX_SEND_ATTEMPTS.
    """
    from django.conf import settings

    sent = 0
    pending_ids = list(
        Notification.objects.filter(
            sent_at__isnull=True, attempts__lt=MAX_SEND_ATTEMPTS
        ).values_list("id", flat=True)[:limit]
    )
    for notification_id in pending_ids:
        claimed_at = as_of or timezone.now()
        claimed = Notification.objects.filter(
            id=notification_id, sent_at__isnull=True
        ).update(sent_at=claimed_at)
        if claimed != 1:
            continue
        notification = Notification.objects.select_related(
            "alert__deadline__program"
        ).get(id=notification_id)
        try:
            recipients = _deliver(notification, settings.SITE_URL)
        except Exception as error:
            attempts = notification.attempts + 1
            Notification.objects.filter(id=notification_id).update(
                sent_at=None, attempts=attempts, last_error=type(error).__name__
            )
            _log_failed_delivery(notification_id, attempts, error)
            continue
        Notification.objects.filter(id=notification_id).update(
            recipients=recipients, attempts=notification.attempts + 1
        )
        sent += 1
    return sent


def _log_failed_delivery(notification_id, attempts, error):
    if attempts < MAX_SEND_ATTEMPTS:
        logger.warning(
            "notification send failed notification_id=%s attempt=%s error=%s",
            notification_id,
            attempts,
            type(error).__name__,
        )
        return
    # The sender stops trying, so the director gets no email for this alert;
    # the alert itself stays on the dashboard.
    logger.error(
        "notification abandoned notification_id=%s attempts=%s error=%s",
        notification_id,
        attempts,
        type(error).__name__,
    )


def parse_as_of(value):
    """Parse an ISO-8601 instant between the years 2000 and 2100.

    A value without an offset is read as UTC. Raises ValueError for text that
    is not such an instant.
    """
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        in_utc = parsed.astimezone(dt.UTC)
    except OverflowError as error:
        raise ValueError("out of range") from error
    if not 2000 <= in_utc.year <= 2100:
        raise ValueError("out of range")
    return parsed
