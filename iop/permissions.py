"""Who may use the API and the pages."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from .choices import CLINICAL_ROLES


def staff_of(user):
    """Return the user's StaffMember record, or None."""
    if not user or not user.is_authenticated:
        return None
    return getattr(user, "staff", None)


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
        return staff.role in allowed
