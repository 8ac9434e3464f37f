"""The synthetic demo program: staff, logins and 40 members at every stage.

Every person is made up. Each member's stay is placed relative to the time
the demo is loaded, so that right after loading some deadlines are met, some
met late, some open, some due soon, some overdue and some cancelled. Every
record goes through the service functions, with `as_of` set to the load time
and clinical times in the past. This module writes no Deadline or Alert
itself: the services open and close deadlines, and the sweep then raises the
alerts that are owed.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import transaction

from deadlines.services import sweep
from discharge import services as discharge_services
from discharge.choices import AppointmentKind, Disposition
from incidents import services as incident_services
from iop import services as member_services
from iop.choices import Discipline, Population, Role
from iop.models import Program, ProgramClosure, StaffMember
from referrals import services as referral_services
from referrals.choices import EvaluationOutcome, ReferralKind, ReferralSource
from treatment import services as treatment_services

PROGRAM_NAME = "Riverside Adult IOP"
PASSWORD = "riverside-demo"
EMAIL_DOMAIN = "riverside-iop.example"


class DemoStaff(NamedTuple):
    username: str
    last_name: str
    role: str
    discipline: str
    credentials: str
    is_independently_licensed: bool
    can_log_in: bool


STAFF = [
    DemoStaff(
        "clinician", "Clinician", Role.CLINICIAN, Discipline.SOCIAL_WORK, "LICSW",
        True, True,
    ),
    DemoStaff(
        "psychiatrist", "Psychiatrist", Role.PSYCHIATRIST, Discipline.PSYCHIATRY,
        "MD", True, True,
    ),
    DemoStaff(
        "director", "Director", Role.DIRECTOR, Discipline.MENTAL_HEALTH_COUNSELING,
        "LMHC", True, True,
    ),
    DemoStaff("qm", "Quality", Role.QM, Discipline.OTHER, "", False, True),
    DemoStaff(
        "admin", "Administrator", Role.ADMINISTRATOR, Discipline.OTHER, "", False,
        True,
    ),
    # Staff without a login, so care teams can mix disciplines and licences.
    DemoStaff(
        "nurse", "Nurse", Role.CLINICIAN, Discipline.NURSING, "RN", False, False
    ),
    DemoStaff(
        "social.worker", "Socialworker", Role.CLINICIAN, Discipline.SOCIAL_WORK,
        "LSW", False, False,
    ),
    DemoStaff(
        "psychologist", "Psychologist", Role.CLINICIAN, Discipline.PSYCHOLOGY,
        "PhD", True, False,
    ),
    DemoStaff(
        "family.therapist", "Therapist", Role.CLINICIAN,
        Discipline.MARRIAGE_FAMILY_THERAPY, "LMFT", True, False,
    ),
]  # fmt: skip

# The logins printed after loading, with what each is for.
LOGINS = [
    ("clinician", "Clinician (LICSW): records referrals through discharge"),
    ("psychiatrist", "Psychiatrist (MD)"),
    ("director", "Program director: the dashboard; alert emails go to this login"),
    (
        "qm",
        "Quality management: views all records; records, reports and "
        "withdraws incidents",
    ),
    ("admin", "Administrator and Django superuser (/admin/)"),
]

MEMBER_FIRST_NAMES = [
    "Alder", "Ash", "Aspen", "Bay", "Beech", "Birch", "Cedar", "Cherry",
    "Cypress", "Elm", "Fir", "Ginkgo", "Hawthorn", "Hazel", "Hemlock", "Holly",
    "Juniper", "Larch", "Laurel", "Linden", "Magnolia", "Maple", "Myrtle",
    "Oak", "Olive", "Palm", "Pine", "Poplar", "Rowan", "Sequoia", "Spruce",
    "Sumac", "Sycamore", "Tamarack", "Walnut", "Willow", "Yew", "Acacia",
    "Banyan", "Catalpa",
]  # fmt: skip

AFTERCARE_PROVIDER = "Riverside Community Clinic (demo)"
PRESCRIBER = "Riverside Medication Clinic (demo)"


class Clock:
    """The load time and the program's timezone, for placing demo events."""

    def __init__(self, now, tz):
        self.now = now
        self.tz = tz
        self.today = now.astimezone(tz).date()

    def midnight(self):
        return dt.datetime.combine(self.today, dt.time.min, tzinfo=self.tz)


# A time spec is a function of the Clock that returns an instant in the past.
TimeSpec = Callable[[Clock], dt.datetime]


def hours_ago(hours):
    """Return a time spec for `hours` elapsed hours before the load time."""
    return lambda clock: clock.now - dt.timedelta(hours=hours)


def days_ago(days, hour, minute=0):
    """Return a time spec for local `hour`:`minute`, `days` (at least 1) days
    before the load day."""
    return lambda clock: dt.datetime.combine(
        clock.today - dt.timedelta(days=days), dt.time(hour, minute), tzinfo=clock.tz
    )


def earlier_today():
    """Return a time spec for an instant earlier on the load day, however
    soon after local midnight the demo is loaded."""

    def place(clock):
        since_midnight = clock.now - clock.midnight()
        return clock.now - min(since_midnight / 2, dt.timedelta(hours=2))

    return place


@dataclass(frozen=True)
class Incident:
    occurred: TimeSpec
    kind: str = "elopement"
    reported: TimeSpec | None = None


@dataclass(frozen=True)
class Stay:
    """One demo member's path through the program.

    Each stage that is set happens at its time spec; the stages left unset
    have not happened yet. `team` lists (staff key, time spec) pairs and
    `appointments` the appointment kinds recorded at load time.
    """

    referred: TimeSpec
    kind: str = ReferralKind.DIVERSION
    evaluated: TimeSpec | None = None
    outcome: str = EvaluationOutcome.ADMIT
    withdrawn: str = ""
    admitted: TimeSpec | None = None
    team: tuple = ()
    discharged: TimeSpec | None = None
    disposition: str = Disposition.PLANNED
    on_medications: bool = False
    appointments: tuple = ()
    incidents: tuple = ()


def settled(admitted_days, team=("clinician", "nurse"), **stage):
    """Build a stay admitted `admitted_days` ago that met every deadline so
    far, with `team` assigned in the first hours after admission."""
    admitted = admitted_days * 24
    return Stay(
        kind=ReferralKind.STEP_DOWN,
        referred=hours_ago(admitted + 30),
        evaluated=hours_ago(admitted + 20),
        admitted=hours_ago(admitted),
        team=tuple(
            (key, hours_ago(admitted - 1 - index)) for index, key in enumerate(team)
        ),
        **stage,
    )


AFTERCARE = AppointmentKind.AFTERCARE
MEDICATION = AppointmentKind.MEDICATION_MONITORING

# The comment on each stay gives the state of its deadlines right after
# loading. Hours are elapsed hours before the load time.
STAYS = [
    # Referred, awaiting evaluation.
    Stay(referred=earlier_today()),  # evaluation open
    Stay(referred=days_ago(1, 15)),  # evaluation due soon (end of today)
    Stay(kind=ReferralKind.STEP_DOWN, referred=days_ago(2, 11)),  # due soon
    Stay(kind=ReferralKind.STEP_DOWN, referred=days_ago(1, 10)),  # open
    Stay(referred=days_ago(3, 9, 30)),  # evaluation overdue
    Stay(kind=ReferralKind.STEP_DOWN, referred=days_ago(5, 16)),  # overdue
    Stay(referred=days_ago(2, 14), withdrawn="referral"),  # cancelled
    # Evaluation withdrawn as entered in error: its deadline is open again.
    Stay(referred=hours_ago(30), evaluated=hours_ago(27), withdrawn="evaluation"),
    # Evaluated, awaiting admission.
    Stay(referred=hours_ago(26), evaluated=hours_ago(21)),  # admission due soon
    Stay(referred=hours_ago(10), evaluated=hours_ago(3)),  # admission open
    Stay(
        kind=ReferralKind.STEP_DOWN, referred=hours_ago(60), evaluated=hours_ago(34)
    ),  # admission overdue
    Stay(
        referred=hours_ago(80),
        evaluated=hours_ago(30),
        outcome=EvaluationOutcome.NOT_ADMITTED,
    ),  # evaluation met late (50 h after a diversion); admission cancelled
    Stay(
        kind=ReferralKind.STEP_DOWN,
        referred=hours_ago(40),
        evaluated=hours_ago(30),
        outcome=EvaluationOutcome.REFERRED_ELSEWHERE,
    ),  # admission cancelled
    # Admitted, care team not yet complete.
    Stay(
        referred=hours_ago(100),
        evaluated=hours_ago(96),
        admitted=hours_ago(80),
        team=(("clinician", hours_ago(79)),),
    ),  # team of one: overdue
    Stay(
        referred=hours_ago(40),
        evaluated=hours_ago(36),
        admitted=hours_ago(22),
        team=(("nurse", hours_ago(21)),),
    ),  # team due soon
    Stay(referred=hours_ago(30), evaluated=hours_ago(26), admitted=hours_ago(6)),
    Stay(
        referred=hours_ago(150),
        evaluated=hours_ago(100),
        admitted=hours_ago(70),
        team=(("nurse", hours_ago(69)), ("social.worker", hours_ago(68))),
    ),  # evaluation and admission met late; no one licensed: team overdue
    Stay(
        referred=hours_ago(50),
        evaluated=hours_ago(48),
        admitted=hours_ago(22.5),
        team=(("psychiatrist", hours_ago(22)),),
    ),  # admission met late (25.5 h); team due soon
    # Admitted with a complete team.
    settled(1, team=("psychologist", "nurse")),
    settled(2),
    settled(3, team=("psychiatrist", "social.worker")),
    settled(4, team=("family.therapist", "nurse", "clinician")),
    settled(5, incidents=(Incident(days_ago(4, 14), reported=days_ago(4, 16)),)),
    Stay(
        referred=hours_ago(164),
        evaluated=hours_ago(152),
        admitted=hours_ago(144),
        team=(("clinician", hours_ago(142)), ("nurse", hours_ago(114))),
    ),  # team met late: complete 30 h after admission
    settled(7, team=("clinician", "psychiatrist")),
    settled(
        8,
        team=("psychologist", "social.worker"),
        incidents=(
            Incident(days_ago(7, 11), kind="self_harm", reported=days_ago(1, 11)),
        ),
    ),  # incident reported 6 days late
    Stay(
        referred=hours_ago(246),
        evaluated=hours_ago(236),
        admitted=hours_ago(216),
        team=(
            ("clinician", hours_ago(215)),
            ("social.worker", hours_ago(214)),
            ("psychiatrist", hours_ago(176)),
        ),
    ),  # two social workers are one discipline: team met late at 40 h
    settled(10, team=("family.therapist", "nurse")),
    settled(12, incidents=(Incident(days_ago(1, 16), kind="assault"),)),
    settled(18, incidents=(Incident(earlier_today(), kind="medication_error"),)),
    settled(22, incidents=(Incident(days_ago(20, 11), kind="injury"),)),
    # Discharged.
    settled(14, discharged=earlier_today(), appointments=(AFTERCARE,)),  # met
    settled(
        20,
        discharged=earlier_today(),
        on_medications=True,
        appointments=(AFTERCARE, MEDICATION),
    ),  # both met
    settled(16, discharged=earlier_today(), on_medications=True),  # due tonight
    settled(
        21,
        discharged=days_ago(3, 11),
        on_medications=True,
        appointments=(AFTERCARE, MEDICATION),
    ),  # both recorded now: met late
    settled(25, discharged=days_ago(2, 15)),  # aftercare overdue
    settled(
        18,
        discharged=days_ago(5, 10),
        on_medications=True,
        appointments=(AFTERCARE,),
    ),  # aftercare met late, medication monitoring overdue
    settled(
        12,
        discharged=days_ago(4, 13),
        disposition=Disposition.HIGHER_LEVEL_OF_CARE,
        on_medications=True,
    ),  # both cancelled
    settled(
        30,
        discharged=days_ago(1, 16),
        disposition=Disposition.AGAINST_ADVICE,
        on_medications=True,
        appointments=(AFTERCARE,),
    ),
    settled(28, discharged=days_ago(6, 12), disposition=Disposition.NON_ATTENDANCE),
]


@dataclass
class DemoResult:
    program: Program
    member_count: int
    alert_count: int


def is_loaded():
    """Say whether the demo program exists already."""
    return Program.objects.filter(name=PROGRAM_NAME).exists()


def load_demo(now):
    """Create the demo program as of `now`, then sweep so its alerts exist.

    All records are written in one transaction. Raises
    django.db.IntegrityError when a demo login name is already taken.
    """
    with transaction.atomic():
        program = Program.objects.create(
            name=PROGRAM_NAME,
            population=Population.ADULT,
            timezone="America/New_York",
            state="MA",
            days_open_per_week=7,
        )
        clock = Clock(now, program.tz)
        ProgramClosure.objects.create(
            program=program,
            closed_on=clock.today + dt.timedelta(days=45),
            reason="Staff training day",
        )
        staff = _create_staff(program)
        builder = _StayBuilder(program, staff, clock)
        for number, stay in enumerate(STAYS, start=1):
            builder.build(number, stay)

    alerts = sweep(now)
    return DemoResult(program=program, member_count=len(STAYS), alert_count=len(alerts))


def _create_staff(program):
    User = get_user_model()
    staff = {}
    for person in STAFF:
        user = User(
            username=person.username,
            first_name="Demo",
            last_name=person.last_name,
            email=f"{person.username}@{EMAIL_DOMAIN}",
            is_staff=person.username == "admin",
            is_superuser=person.username == "admin",
        )
        if person.can_log_in:
            user.set_password(PASSWORD)
        else:
            user.set_unusable_password()
        user.save()
        staff[person.username] = StaffMember.objects.create(
            user=user,
            program=program,
            role=person.role,
            discipline=person.discipline,
            credentials=person.credentials,
            is_independently_licensed=person.is_independently_licensed,
        )
    return staff


class _StayBuilder:
    """Records one Stay through the services, stage by stage."""

    def __init__(self, program, staff, clock):
        self.program = program
        self.staff = staff
        self.clock = clock
        self.recorder = staff["clinician"].user

    def build(self, number, stay):
        member = member_services.register_member(
            self.program,
            first_name=MEMBER_FIRST_NAMES[(number - 1) % len(MEMBER_FIRST_NAMES)],
            last_name="Demo",
            date_of_birth=dt.date(1960 + number, 1 + number % 12, 1 + number % 28),
            plan_member_id=f"DEMO{number:05d}",
            by=self.recorder,
            as_of=self.clock.now,
        )
        referral = self._refer(member, stay)
        if stay.evaluated is not None:
            evaluation = self._evaluate(referral, stay, number)
            if stay.admitted is not None:
                admission = self._admit(evaluation, stay)
                if stay.discharged is not None:
                    self._discharge(admission, stay)
        for incident in stay.incidents:
            self._record_incident(member, incident)
        return member

    def _at(self, spec):
        return spec(self.clock)

    def _refer(self, member, stay):
        referral = referral_services.record_referral(
            member,
            source=(
                ReferralSource.EMERGENCY_SERVICES
                if stay.kind == ReferralKind.DIVERSION
                else ReferralSource.INPATIENT
            ),
            kind=stay.kind,
            plan_product="hmo",
            received_at=self._at(stay.referred),
            by=self.recorder,
            as_of=self.clock.now,
        )
        if stay.withdrawn == "referral":
            referral_services.withdraw_referral(
                referral,
                reason="Member chose a program closer to home.",
                by=self.recorder,
                as_of=self.clock.now,
            )
        return referral

    def _evaluate(self, referral, stay, number):
        evaluator = self.staff["psychiatrist" if number % 3 == 0 else "clinician"]
        evaluation = referral_services.record_evaluation(
            referral,
            completed_at=self._at(stay.evaluated),
            evaluated_by=evaluator,
            outcome=stay.outcome,
            by=evaluator.user,
            as_of=self.clock.now,
        )
        if stay.withdrawn == "evaluation":
            referral_services.withdraw_evaluation(
                evaluation,
                reason="Entered for the wrong referral.",
                by=evaluator.user,
                as_of=self.clock.now,
            )
        return evaluation

    def _admit(self, evaluation, stay):
        admission = referral_services.admit_member(
            evaluation,
            admitted_at=self._at(stay.admitted),
            by=self.recorder,
            as_of=self.clock.now,
        )
        for key, assigned in stay.team:
            treatment_services.assign_team_member(
                admission,
                staff=self.staff[key],
                assigned_at=self._at(assigned),
                by=self.recorder,
                as_of=self.clock.now,
            )
        return admission

    def _discharge(self, admission, stay):
        discharge = discharge_services.discharge_member(
            admission,
            discharged_at=self._at(stay.discharged),
            disposition=stay.disposition,
            on_medications=stay.on_medications,
            by=self.recorder,
            as_of=self.clock.now,
        )
        # Date each appointment within its window and, where the window
        # allows, no earlier than today.
        left_on = discharge_services.discharge_day(discharge)
        days_since = (self.clock.today - left_on).days
        for kind in stay.appointments:
            is_aftercare = kind == AFTERCARE
            window = 7 if is_aftercare else 14
            offset = min(window, days_since + (2 if is_aftercare else 5))
            discharge_services.record_appointment(
                discharge,
                kind=kind,
                scheduled_on=left_on + dt.timedelta(days=offset),
                scheduled_time=dt.time(10, 30),
                provider=AFTERCARE_PROVIDER if is_aftercare else PRESCRIBER,
                by=self.recorder,
                as_of=self.clock.now,
            )
        return discharge

    def _record_incident(self, member, incident):
        occurred_at = self._at(incident.occurred)
        reporter = self.staff["director"].user
        recorded = incident_services.record_incident(
            member,
            kind=incident.kind,
            occurred_at=occurred_at,
            discovered_at=occurred_at,
            description="Synthetic demo incident.",
            by=reporter,
            as_of=self.clock.now,
        )
        if incident.reported is not None:
            incident_services.report_incident_to_plan(
                recorded,
                reported_at=self._at(incident.reported),
                by=reporter,
                as_of=self.clock.now,
            )
        return recorded
