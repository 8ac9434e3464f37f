"""Permission checks for the API and the pages."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from .choices import CLINICAL_ROLES, Role


def staff_of(user):
    """Return the user's StaffMember record, or None."""
    if not user or not user.is_authenticated:
        return None
    return getattr(user, "staff", None)


def read_only_role_message(role, allowed):
    """Explain that `role` may read a resource that only `allowed` roles
    write."""
    writers = [Role(value).label.lower() for value in Role.values if value in allowed]
    if len(writers) > 1:
        writers = [", ".join(writers[:-1]), writers[-1]]
    return (
        f"Your role ({Role(role).label}) may view these records but not record "
        f"them; ask a {' or '.join(writers)} to record them."
    )


class IsProgramStaff(BasePermission):
    """Any active staff member may read; clinical roles may write.

    Views narrow their querysets to the user's own program.
    """

    message = "Sign in as an active staff member of a program."

    def has_permission(self, request, view):
        staff = staff_of(request.user)
        if staff is None or not staff.is_active:
            return False
        if request.method in SAFE_METHODS:
            return True
        allowed = getattr(view, "write_roles", CLINICAL_ROLES)
        if staff.role in allowed:
            return True
        # DRF creates the permission per request, so the message set here
        # applies to this request only.
        self.message = read_only_role_message(staff.role, allowed)
        return False
