from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from deadlines.services import parse_as_of, send_pending_notifications, sweep


class Command(BaseCommand):
    help = (
        "Raise the due-soon and overdue alerts owed at a given time (now by "
        "default) and send their notifications. Running it again for the same "
        "time raises nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            help="ISO-8601 instant to sweep as of, e.g. 2026-03-09T14:00:00-04:00; "
            "without an offset it is read as UTC.",
        )
        parser.add_argument(
            "--allow-future",
            action="store_true",
            help="Accept an --at later than now. Alerts raised for a future "
            "time are kept, so use it only on a test database.",
        )
        parser.add_argument(
            "--no-send",
            action="store_true",
            help="Raise alerts but leave their notifications in the outbox.",
        )

    def handle(self, *args, at=None, allow_future=False, no_send=False, **options):
        now = timezone.now()
        if at is None:
            as_of = now
        else:
            try:
                as_of = parse_as_of(at)
            except ValueError as error:
                raise CommandError(
                    f"--at {at!r} is not an ISO-8601 instant between the years "
                    "2000 and 2100; use a form such as 2026-03-09T14:00:00-04:00."
                ) from error
        if as_of > now and not allow_future:
            raise CommandError(
                f"--at {at} is in the future. Alerts raised as of a future time "
                "would stay raised before their deadlines are due; give a past "
                "time, or add --allow-future on a test database."
            )

        alerts = sweep(as_of, wake_sender=not no_send)

        for alert in alerts:
            deadline = alert.deadline
            self.stdout.write(
                f"{alert.kind:9} deadline #{deadline.id} {deadline.rule} "
                f"member #{deadline.member_id} due {deadline.due_at.isoformat()}"
            )
        self.stdout.write(f"Raised {len(alerts)} alert(s) as of {as_of.isoformat()}.")
        if not no_send:
            sent = send_pending_notifications()
            self.stdout.write(f"Sent {sent} notification(s).")
