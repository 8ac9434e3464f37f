import pytest

from iop.choices import Discipline, Role

from .factories import MemberFactory, ProgramFactory, StaffFactory


@pytest.fixture
def program(db):
    return ProgramFactory()


@pytest.fixture
def clinician(program):
    """An independently licensed social worker (LICSW)."""
    return StaffFactory(program=program)


@pytest.fixture
def nurse(program):
    """A registered nurse: a different discipline, not independently licensed."""
    return StaffFactory(
        program=program,
        discipline=Discipline.NURSING,
        credentials="RN",
        is_independently_licensed=False,
    )


@pytest.fixture
def psychiatrist(program):
    return StaffFactory(
        program=program,
        role=Role.PSYCHIATRIST,
        discipline=Discipline.PSYCHIATRY,
        credentials="MD",
    )


@pytest.fixture
def director(program):
    return StaffFactory(
        program=program,
        role=Role.DIRECTOR,
        credentials="LMHC",
        discipline=Discipline.MENTAL_HEALTH_COUNSELING,
    )


@pytest.fixture
def member(program):
    return MemberFactory(program=program)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash passwords made in tests with MD5 instead of PBKDF2.

    PBKDF2 costs about 0.2 s per user here, which dominated the setup of every
    test that builds staff. PBKDF2 stays second in the list, so a hash made
    before a test starts still verifies.
    """
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def qm(program):
    """A quality-management staff member: may record incidents only."""
    return StaffFactory(
        program=program,
        role=Role.QM,
        discipline=Discipline.OTHER,
        credentials="",
        is_independently_licensed=False,
    )


@pytest.fixture
def clinician_client(client, clinician):
    """A test client signed in as the clinician."""
    client.force_login(clinician.user)
    return client
