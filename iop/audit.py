"""Writing the audit trail."""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from .models import AuditEntry, Member


def record_audit(
    actor, action, subject=None, *, member=None, program=None, detail=None, at=None
):
    """Write one audit entry for an act on `subject` by `actor`.

    `actor` is None for acts of the system itself. Member and program are
    taken from the subject when it has them and they are not given.
    """
    if isinstance(subject, Member):
        member = subject
    elif subject is not None:
        member = member or getattr(subject, "member", None)
        program = program or getattr(subject, "program", None)
    if member is not None and program is None:
        program = member.program
    return AuditEntry.objects.create(
        at=at or timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        member=member,
        program=program,
        subject_type=(
            ContentType.objects.get_for_model(subject) if subject is not None else None
        ),
        subject_id=subject.pk if subject is not None else None,
        detail=detail or {},
    )
