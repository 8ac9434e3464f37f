"""Factories for the smallest valid records, with obviously fake people.

Programs, staff and members are plain rows. Clinical records go through the
services, so their deadlines exist exactly as in the product.
"""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from discharge import services as discharge_services
from incidents import services as incident_services
from iop.choices import Discipline, Population, Role
from iop.models import Member, Program, StaffMember
from referrals import services as referral_services
from treatment import services as treatment_services


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    name = factory.Sequence(lambda n: f"Test IOP {n}")
    population = Population.ADULT
    timezone = "America/New_York"
    state = "MA"
    days_open_per_week = 7


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Staffer{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "test-password-1")

    @factory.post_generation
    def save_password(user, create, extracted, **kwargs):
        if create:
            user.save()


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory)
    program = factory.SubFactory(ProgramFactory)
    role = Role.CLINICIAN
    discipline = Discipline.SOCIAL_WORK
    credentials = "LICSW"
    is_independently_licensed = True


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    program = factory.SubFactory(ProgramFactory)
    first_name = "Testy"
    last_name = factory.Sequence(lambda n: f"Fakeperson{n}")
    date_of_birth = dt.date(1990, 1, 1)
    plan_member_id = factory.Sequence(lambda n: f"TEST{n:06d}")
    recorded_by = factory.SubFactory(UserFactory)


def make_referral(member, *, received_at, by, kind="diversion", as_of=None):
    return referral_services.record_referral(
        member,
        source="emergency_services",
        kind=kind,
        plan_product="hmo",
        received_at=received_at,
        by=by.user,
        as_of=as_of or received_at,
    )


def make_evaluation(referral, *, completed_at, by, outcome="admit", as_of=None):
    return referral_services.record_evaluation(
        referral,
        completed_at=completed_at,
        evaluated_by=by,
        outcome=outcome,
        by=by.user,
        as_of=as_of or completed_at,
    )


def make_admission(evaluation, *, admitted_at, by, as_of=None):
    return referral_services.admit_member(
        evaluation, admitted_at=admitted_at, by=by.user, as_of=as_of or admitted_at
    )


def admit(member, *, at, by):
    """Refer, evaluate and admit `member` one hour apart ending at `at`."""
    referral = make_referral(member, received_at=at - dt.timedelta(hours=2), by=by)
    evaluation = make_evaluation(
        referral, completed_at=at - dt.timedelta(hours=1), by=by
    )
    return make_admission(evaluation, admitted_at=at, by=by)


def assign(admission, staff, *, at, by):
    return treatment_services.assign_team_member(
        admission, staff=staff, assigned_at=at, by=by.user, as_of=at
    )


def discharge(admission, *, at, by, on_medications=False, disposition="planned"):
    return discharge_services.discharge_member(
        admission,
        discharged_at=at,
        disposition=disposition,
        on_medications=on_medications,
        by=by.user,
        as_of=at,
    )


def make_incident(member, *, occurred_at, by, kind="elopement"):
    return incident_services.record_incident(
        member,
        kind=kind,
        occurred_at=occurred_at,
        discovered_at=occurred_at,
        by=by.user,
        as_of=occurred_at,
    )
