"""The sweep, its management command and the notification outbox.

The deadlines come from the `open_deadlines` fixture: diversion referrals
received Monday 12 January 2026 at 10:00 in New York, due at the end of
Tuesday and due soon from Tuesday 00:00.
"""

import datetime as dt
import io
import logging
import socket
import zoneinfo

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db.models import Count

from deadlines import services
from deadlines.models import Alert, AlertKind, Deadline, Notification
from deadlines.services import send_pending_notifications, sweep
from referrals.services import withdraw_referral
from tests.concurrency import run_at_once
from tests.factories import make_evaluation

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
BEFORE_DUE_SOON = dt.datetime(2026, 1, 12, 23, tzinfo=NEW_YORK)
DUE_SOON = dt.datetime(2026, 1, 13, 12, tzinfo=NEW_YORK)
OVERDUE = dt.datetime(2026, 1, 14, 9, tzinfo=NEW_YORK)


def alert_kinds(deadline):
    return sorted(deadline.alerts.values_list("kind", flat=True))


@pytest.fixture
def woken_senders(monkeypatch):
    """Count the wake-ups of the notification sender instead of queueing them.

    Tests that commit (transaction=True) would otherwise leave Celery messages
    in the test broker.
    """
    calls = []
    monkeypatch.setattr(services, "_wake_sender", lambda: calls.append(1))
    return calls


# Alerts


def test_sweep_twice_raises_each_alert_once(open_deadlines):
    deadlines = open_deadlines(3)

    first = sweep(OVERDUE)
    second = sweep(OVERDUE)

    assert len(first) == 3
    assert second == []
    assert Alert.objects.count() == 3
    assert Notification.objects.count() == 3
    assert {alert.deadline_id for alert in first} == {d.id for d in deadlines}


def test_sweep_before_due_soon_raises_nothing(open_deadlines):
    open_deadlines(2)

    raised = sweep(BEFORE_DUE_SOON)

    assert raised == []
    assert not Alert.objects.exists()


def test_first_sweep_after_due_time_raises_only_overdue(open_deadlines):
    [deadline] = open_deadlines(1)

    sweep(OVERDUE)

    assert alert_kinds(deadline) == [AlertKind.OVERDUE]


def test_due_soon_then_overdue_raises_both(open_deadlines):
    [deadline] = open_deadlines(1)

    [due_soon_alert] = sweep(DUE_SOON)
    [overdue_alert] = sweep(OVERDUE)

    assert due_soon_alert.kind == AlertKind.DUE_SOON
    assert due_soon_alert.raised_at == DUE_SOON
    assert overdue_alert.kind == AlertKind.OVERDUE
    assert overdue_alert.raised_at == OVERDUE
    assert alert_kinds(deadline) == [AlertKind.DUE_SOON, AlertKind.OVERDUE]


def test_due_soon_alert_is_not_repeated(open_deadlines):
    open_deadlines(1)

    sweep(DUE_SOON)
    again = sweep(DUE_SOON + dt.timedelta(hours=1))

    assert again == []


def test_past_sweep_after_overdue_raises_no_due_soon(open_deadlines):
    [deadline] = open_deadlines(1)
    sweep(OVERDUE)

    earlier = sweep(DUE_SOON)

    assert earlier == []
    assert alert_kinds(deadline) == [AlertKind.OVERDUE]


def test_met_and_cancelled_deadlines_get_no_alert(open_deadlines, clinician):
    met, met_late, cancelled, still_open = open_deadlines(4)
    # Outcomes other than admit, so no admission deadline opens.
    make_evaluation(
        met.subject,
        completed_at=dt.datetime(2026, 1, 13, 9, tzinfo=NEW_YORK),
        by=clinician,
        outcome="not_admitted",
    )
    make_evaluation(
        met_late.subject, completed_at=OVERDUE, by=clinician, outcome="not_admitted"
    )
    withdraw_referral(
        cancelled.subject,
        reason="Sent to the wrong program",
        by=clinician.user,
        as_of=DUE_SOON,
    )

    raised = sweep(OVERDUE + dt.timedelta(minutes=1))

    assert [alert.deadline_id for alert in raised] == [still_open.id]


def test_deadline_met_after_overdue_alert_keeps_it(open_deadlines, clinician):
    [deadline] = open_deadlines(1)
    sweep(OVERDUE)

    make_evaluation(
        deadline.subject,
        completed_at=OVERDUE + dt.timedelta(hours=1),
        by=clinician,
        outcome="not_admitted",
    )
    again = sweep(OVERDUE + dt.timedelta(hours=2))

    assert again == []
    assert alert_kinds(deadline) == [AlertKind.OVERDUE]


def test_sweep_works_through_several_batches(open_deadlines):
    open_deadlines(7)

    raised = sweep(OVERDUE, batch_size=3)

    assert len(raised) == 7
    assert Alert.objects.count() == 7


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_raise_each_alert_exactly_once(open_deadlines, woken_senders):
    deadlines = open_deadlines(60)

    results, errors = run_at_once(lambda: sweep(OVERDUE, batch_size=5), 4)

    per_deadline = Alert.objects.values("deadline_id").annotate(count=Count("id"))
    assert errors == [None] * 4
    assert sum(len(raised) for raised in results) == 60
    assert Alert.objects.count() == 60
    assert {row["deadline_id"] for row in per_deadline} == {d.id for d in deadlines}
    assert {row["count"] for row in per_deadline} == {1}
    assert Notification.objects.count() == 60
    assert woken_senders


# One bad row


def break_rule(deadline):
    """Set a rule key that is not in RULES, as a rule removed from the code
    or a bad import would leave the row."""
    Deadline.objects.filter(pk=deadline.pk).update(rule="retired_rule")


def test_failing_deadline_does_not_stop_the_sweep(open_deadlines, caplog):
    bad, good_1, good_2 = open_deadlines(3)
    break_rule(bad)

    with caplog.at_level(logging.ERROR, logger="deadlines.services"):
        raised = sweep(OVERDUE, batch_size=1)

    failures = [
        r for r in caplog.records if r.getMessage().startswith("deadline sweep")
    ]
    assert {alert.deadline_id for alert in raised} == {good_1.id, good_2.id}
    assert not bad.alerts.exists()
    assert [r.getMessage() for r in failures] == [
        f"deadline sweep failed deadline_id={bad.id}"
    ]
    assert failures[0].exc_info is not None


def test_failing_deadline_is_retried_next_sweep(open_deadlines, caplog):
    bad, good = open_deadlines(2)
    break_rule(bad)
    sweep(OVERDUE)

    with caplog.at_level(logging.ERROR, logger="deadlines.services"):
        still_failing = sweep(OVERDUE)
    Deadline.objects.filter(pk=bad.pk).update(rule=good.rule)
    repaired = sweep(OVERDUE)

    assert still_failing == []
    assert f"deadline sweep failed deadline_id={bad.id}" in caplog.messages
    assert [alert.deadline_id for alert in repaired] == [bad.id]


# The management command


def run_command(*args):
    output = io.StringIO()
    call_command("sweep_deadlines", *args, stdout=output)
    return output.getvalue()


def test_sweep_command_prints_what_it_raised(open_deadlines, member, director):
    [deadline] = open_deadlines(1)

    output = run_command("--at", "2026-01-14T09:00:00-05:00")

    assert output.splitlines() == [
        f"overdue   deadline #{deadline.id} evaluation_diversion "
        f"member #{member.id} due 2026-01-14T04:59:59.999999+00:00",
        "Raised 1 alert(s) as of 2026-01-14T09:00:00-05:00.",
        "Sent 1 notification(s).",
    ]


def test_sweep_command_again_raises_nothing_new(open_deadlines, director):
    open_deadlines(2)
    run_command("--at", "2026-01-14T09:00:00-05:00")

    output = run_command("--at", "2026-01-14T09:05:00-05:00")

    assert output.splitlines() == [
        "Raised 0 alert(s) as of 2026-01-14T09:05:00-05:00.",
        "Sent 0 notification(s).",
    ]
    assert Alert.objects.count() == 2


def test_sweep_command_reads_time_without_offset_as_utc(open_deadlines):
    open_deadlines(1)

    output = run_command("--at", "2026-01-13T12:00:00")

    assert "due_soon  deadline #" in output
    assert "as of 2026-01-13T12:00:00+00:00." in output


def test_sweep_command_no_send_leaves_outbox(open_deadlines, director):
    open_deadlines(1)

    output = run_command("--at", "2026-01-14T09:00:00-05:00", "--no-send")

    assert "Sent" not in output
    assert Notification.objects.get().sent_at is None
    assert mail.outbox == []


def test_sweep_command_rejects_invalid_time():
    with pytest.raises(CommandError) as raised:
        run_command("--at", "next tuesday")

    assert "'next tuesday' is not an ISO-8601 instant" in str(raised.value)
    assert "2026-03-09T14:00:00-04:00" in str(raised.value)


def test_sweep_command_no_send_wakes_no_sender(
    open_deadlines, woken_senders, django_capture_on_commit_callbacks
):
    open_deadlines(1)

    with django_capture_on_commit_callbacks(execute=True):
        run_command("--at", "2026-01-14T09:00:00-05:00", "--no-send")

    assert woken_senders == []


def test_sweep_wakes_sender_after_commit(
    open_deadlines, woken_senders, django_capture_on_commit_callbacks
):
    open_deadlines(1)

    with django_capture_on_commit_callbacks(execute=True):
        sweep(OVERDUE)

    assert woken_senders == [1]


def test_sweep_command_rejects_future_time(open_deadlines):
    open_deadlines(1)

    with pytest.raises(CommandError) as raised:
        run_command("--at", "2099-01-01T00:00:00+00:00")

    assert "is in the future" in str(raised.value)
    assert Alert.objects.count() == 0


def test_sweep_command_allows_future_when_asked(open_deadlines, director):
    open_deadlines(1)

    output = run_command("--at", "2099-01-01T00:00:00+00:00", "--allow-future")

    assert "Raised 1 alert(s)" in output


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", ""]
)
def test_sweep_command_rejects_out_of_range_time(value):
    with pytest.raises(CommandError) as raised:
        run_command("--at", value)

    assert "between the years 2000 and 2100" in str(raised.value)


# The notification outbox


def test_sender_emails_directors_once(open_deadlines, member, director):
    [deadline] = open_deadlines(1)
    sweep(OVERDUE)

    first = send_pending_notifications()
    second = send_pending_notifications()

    [message] = mail.outbox
    assert first == 1
    assert second == 0
    assert message.to == [director.user.email]
    assert message.subject == (f"Overdue: {deadline.title} (member #{member.id})")
    assert Notification.objects.get().recipients == [director.user.email]


def test_notification_email_leaves_out_member_name(open_deadlines, member, director):
    open_deadlines(1)
    sweep(OVERDUE)

    send_pending_notifications()

    [message] = mail.outbox
    for text in (message.subject, message.body):
        assert member.last_name not in text
        assert member.first_name not in text


def test_notification_without_director_is_closed_unsent(open_deadlines):
    open_deadlines(1)
    sweep(OVERDUE)

    sent = send_pending_notifications()

    notification = Notification.objects.get()
    assert sent == 1
    assert mail.outbox == []
    assert notification.sent_at is not None
    assert notification.recipients == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_send_each_email_once(
    open_deadlines, director, woken_senders
):
    open_deadlines(20)
    sweep(OVERDUE)

    results, errors = run_at_once(send_pending_notifications, 4)

    assert errors == [None] * 4
    assert sum(results) == 20
    assert len(mail.outbox) == 20
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


@pytest.fixture
def unreachable_smtp(settings):
    """Point email at a closed loopback port, so every delivery fails."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 5
    return settings


def test_failed_delivery_is_retried(open_deadlines, director, unreachable_smtp):
    open_deadlines(1)
    sweep(OVERDUE)

    failed = send_pending_notifications()
    notification = Notification.objects.get()
    unreachable_smtp.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retried = send_pending_notifications()

    assert failed == 0
    assert notification.sent_at is None
    assert notification.attempts == 1
    assert notification.last_error == "ConnectionRefusedError"
    assert retried == 1
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert notification.attempts == 2


def test_delivery_gives_up_after_max_attempts(
    open_deadlines, director, unreachable_smtp, caplog
):
    open_deadlines(1)
    sweep(OVERDUE)

    with caplog.at_level(logging.WARNING, logger="deadlines.services"):
        for _ in range(services.MAX_SEND_ATTEMPTS + 1):
            send_pending_notifications()

    notification = Notification.objects.get()
    assert notification.attempts == services.MAX_SEND_ATTEMPTS
    assert notification.sent_at is None
    assert [r.levelname for r in caplog.records][-1] == "ERROR"
    assert caplog.messages[-1] == (
        f"notification abandoned notification_id={notification.id} "
        f"attempts={services.MAX_SEND_ATTEMPTS} error=ConnectionRefusedError"
    )
