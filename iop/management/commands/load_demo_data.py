from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError
from django.utils import timezone

from iop import demo


class Command(BaseCommand):
    help = (
        f"Load the synthetic demo program ({demo.PROGRAM_NAME}): staff, demo "
        "logins and 40 made-up members at every stage of a stay, placed "
        "relative to now, then sweep so its alerts exist. Does nothing when the "
        "demo is already loaded."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load even with DEBUG off. The demo logins share a published "
            "password, so use this only on a server that holds no real data.",
        )

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "DEBUG is off, and the demo creates logins with a published "
                "password. Pass --allow-production to load it anyway on a server "
                "that holds no real data."
            )

        if demo.is_loaded():
            self.stdout.write(
                f"The demo program {demo.PROGRAM_NAME!r} is already loaded; "
                "nothing changed."
            )
        else:
            try:
                result = demo.load_demo(timezone.now())
            except IntegrityError as error:
                raise CommandError(
                    "Could not load the demo: a demo login name (clinician, "
                    "psychiatrist, director, qm, admin, nurse, social.worker, "
                    "psychologist, family.therapist) or a record it needs is "
                    "already taken in this database; use an empty database."
                ) from error
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the demo program {demo.PROGRAM_NAME!r}: "
                    f"{result.member_count} members, {result.alert_count} "
                    "alerts raised."
                )
            )
        self._print_logins()

    def _print_logins(self):
        self.stdout.write(f"Demo logins (password: {demo.PASSWORD}):")
        for username, purpose in demo.LOGINS:
            self.stdout.write(f"  {username:<13} {purpose}")
