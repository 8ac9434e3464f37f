import datetime as dt
import io
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from deadlines.models import Alert, AlertKind, Deadline, Notification, State
from deadlines.rules import RULES
from deadlines.selectors import with_state
from iop import demo
from iop.models import AuditEntry, Member, Program, StaffMember

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")

# Times that move the demo's calendar days around: a weekday afternoon, just
# after local midnight, a Saturday night, the spring-forward morning, and
# Thanksgiving (a Massachusetts holiday, so no incident is due that day).
LOAD_TIMES = [
    dt.datetime(2026, 3, 11, 14, 0, tzinfo=NEW_YORK),
    dt.datetime(2026, 6, 15, 0, 1, tzinfo=NEW_YORK),
    dt.datetime(2026, 10, 31, 23, 59, tzinfo=NEW_YORK),
    dt.datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK),
    dt.datetime(2026, 11, 26, 10, 0, tzinfo=NEW_YORK),
]


@pytest.fixture(autouse=True)
def development_mode(settings):
    """Run as in the embedded development mode; the test runner turns DEBUG
    off, and with DEBUG off the command refuses to load."""
    settings.DEBUG = True


DEMO_LOGIN_ROLES = {
    "clinician": "clinician",
    "psychiatrist": "psychiatrist",
    "director": "director",
    "qm": "qm",
    "admin": "administrator",
}


def run_command(*args):
    out = io.StringIO()
    call_command("load_demo_data", *args, stdout=out)
    return out.getvalue()


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Program,
            StaffMember,
            get_user_model(),
            Member,
            Deadline,
            Alert,
            Notification,
            AuditEntry,
        )
    }


def states_as_of(as_of):
    return set(
        with_state(Deadline.objects.all(), as_of).values_list("state", flat=True)
    )


@pytest.mark.django_db
def test_command_loads_program_staff_and_members():
    output = run_command()

    program = Program.objects.get()
    assert program.name == demo.PROGRAM_NAME
    assert program.timezone == "America/New_York"
    assert program.state == "MA"
    assert program.days_open_per_week == 7
    assert Member.objects.filter(program=program).count() == 40
    assert StaffMember.objects.filter(program=program).count() == len(demo.STAFF)
    assert "Loaded the demo program" in output
    assert f"password: {demo.PASSWORD}" in output


@pytest.mark.django_db
def test_each_demo_login_is_staff_with_role():
    output = run_command()

    for username, role in DEMO_LOGIN_ROLES.items():
        user = get_user_model().objects.get(username=username)
        assert user.check_password(demo.PASSWORD), username
        assert user.staff.role == role
        assert f"  {username} " in output


@pytest.mark.django_db
def test_staff_mix_disciplines_and_licences():
    run_command()

    licensed = dict(
        StaffMember.objects.values_list("credentials", "is_independently_licensed")
    )
    disciplines = set(StaffMember.objects.values_list("discipline", flat=True))
    admin_user = get_user_model().objects.get(username="admin")
    assert licensed["RN"] is False
    assert licensed["LSW"] is False
    assert licensed["LICSW"] is True
    assert licensed["MD"] is True
    assert len(disciplines) >= 5
    assert admin_user.is_superuser
    assert not get_user_model().objects.get(username="nurse").has_usable_password()


@pytest.mark.django_db
def test_second_run_changes_nothing():
    run_command()
    before = row_counts()

    output = run_command()

    assert "already loaded" in output
    assert "nothing changed" in output
    assert row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "now", LOAD_TIMES, ids=lambda now: now.strftime("%a-%m-%d-%H%M")
)
def test_every_state_present_right_after_loading(now):
    demo.load_demo(now)

    assert states_as_of(now) == set(State.values)
    assert set(Deadline.objects.values_list("rule", flat=True)) == set(RULES)


@pytest.mark.django_db
def test_every_state_present_after_command():
    run_command()

    assert states_as_of(timezone.now()) == set(State.values)


@pytest.mark.django_db
def test_every_deadline_started_by_a_recorded_subject():
    demo.load_demo(LOAD_TIMES[0])

    for deadline in Deadline.objects.all():
        subject = deadline.subject
        assert subject is not None, f"deadline #{deadline.pk} has no subject"
        assert subject.member_id == deadline.member_id
        assert AuditEntry.objects.filter(
            subject_type=deadline.subject_type,
            subject_id=deadline.subject_id,
            action__endswith=".recorded",
        ).exists(), f"deadline #{deadline.pk}: subject not recorded by a service"


def test_demo_module_imports_no_deadline_model():
    engine_models = [
        name
        for name, value in vars(demo).items()
        if getattr(value, "__module__", "") == "deadlines.models"
    ]

    assert engine_models == []


@pytest.mark.django_db
def test_demo_director_has_overdue_alerts():
    now = LOAD_TIMES[0]
    result = demo.load_demo(now)

    director = StaffMember.objects.get(user__username="director")
    overdue = with_state(Deadline.objects.filter(program=result.program), now).filter(
        state=State.OVERDUE
    )
    overdue_alerts = Alert.objects.filter(
        deadline__program=director.program, kind=AlertKind.OVERDUE
    )
    assert director.user.email
    assert overdue_alerts.exists()
    assert overdue_alerts.count() == overdue.count()
    assert Alert.objects.filter(kind=AlertKind.DUE_SOON).exists()
    assert Notification.objects.count() == Alert.objects.count()


@pytest.mark.django_db
def test_sweep_after_loading_raises_nothing_new():
    now = LOAD_TIMES[0]
    demo.load_demo(now)
    alerts_before = Alert.objects.count()

    call_command(
        "sweep_deadlines", "--at", now.isoformat(), "--no-send", stdout=io.StringIO()
    )

    assert Alert.objects.count() == alerts_before


@pytest.mark.django_db
def test_refused_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--allow-production"):
        run_command()
    assert not Program.objects.exists()


@pytest.mark.django_db
def test_allow_production_loads_with_debug_off(settings):
    settings.DEBUG = False

    run_command("--allow-production")

    assert Program.objects.filter(name=demo.PROGRAM_NAME).exists()
