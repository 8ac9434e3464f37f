"""Registering members."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .audit import record_audit
from .errors import ServiceError
from .models import Member


def register_member(
    program, *, first_name, last_name, date_of_birth, plan_member_id, by, as_of=None
):
    """Register a member of `program` and audit it.

    Raises ServiceError for a missing name, a birth date in the future, or a
    health plan member ID already registered in the program.
    """
    as_of = as_of or timezone.now()
    first_name = (first_name or "").strip()
    last_name = (last_name or "").strip()
    plan_member_id = (plan_member_id or "").strip()
    if not first_name:
        raise ServiceError("first_name", "required", "First name is missing; enter it.")
    if not last_name:
        raise ServiceError("last_name", "required", "Last name is missing; enter it.")
    if not plan_member_id:
        raise ServiceError(
            "plan_member_id",
            "required",
            "Health plan member ID is missing; enter the ID on the member's card.",
        )
    if date_of_birth is None:
        raise ServiceError(
            "date_of_birth", "required", "Date of birth is missing; enter it."
        )
    today = as_of.astimezone(program.tz).date()
    if date_of_birth > today:
        raise ServiceError(
            "date_of_birth",
            "in_future",
            f"Date of birth ({date_of_birth:%-d %B %Y}) is in the future; "
            "enter a date no later than today.",
        )
    if date_of_birth.year < today.year - 120:
        raise ServiceError(
            "date_of_birth",
            "too_far_in_past",
            f"Date of birth ({date_of_birth.isoformat()}) is more than 120 years "
            "ago; check the year.",
        )
    if Member.objects.filter(
        program=program, plan_member_id__iexact=plan_member_id
    ).exists():
        raise _duplicate_plan_id(plan_member_id)

    try:
        with transaction.atomic():
            member = Member.objects.create(
                program=program,
                first_name=first_name,
                last_name=last_name,
                date_of_birth=date_of_birth,
                plan_member_id=plan_member_id,
                recorded_by=by,
            )
            record_audit(by, "member.registered", member, member=member, at=as_of)
    except IntegrityError as error:
        raise _duplicate_plan_id(plan_member_id) from error
    return member


def _duplicate_plan_id(plan_member_id):
    return ServiceError(
        "plan_member_id",
        "duplicate",
        f"Health plan member ID {plan_member_id} is already registered in this "
        "program; open that member instead of registering them again.",
    )


def mark_withdrawn(record, *, reason, by, as_of):
    """Set the withdrawal fields of a clinical record and save them.

    Callers hold the row lock, check that withdrawal is allowed, and handle
    the record's deadlines and audit entry.
    """
    record.withdrawn_at = as_of
    record.withdrawn_by = by
    record.withdrawal_reason = reason
    record.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
