from .permissions import staff_of


def staff(request):
    """Put the signed-in user's staff record and program into templates."""
    member = staff_of(getattr(request, "user", None))
    return {
        "current_staff": member,
        "current_program": member.program if member else None,
    }
