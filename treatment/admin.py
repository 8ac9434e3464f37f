"""Read-only admin for care-team assignments.

Assignments are made, ended and withdrawn through treatment.services, which
meets or reopens the care-team deadline.
"""

from django.contrib import admin

from iop.admin import ReadOnlyAdmin

from .models import CareTeamAssignment


@admin.register(CareTeamAssignment)
class CareTeamAssignmentAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "member",
        "admission",
        "staff",
        "discipline",
        "is_independently_licensed",
        "team_role",
        "assigned_at",
        "ended_at",
        "withdrawn_at",
    ]
    list_filter = [
        "program",
        "discipline",
        "is_independently_licensed",
        ("ended_at", admin.EmptyFieldListFilter),
        ("withdrawn_at", admin.EmptyFieldListFilter),
    ]
    search_fields = [
        "member__last_name",
        "member__first_name",
        "member__plan_member_id",
        "staff__user__last_name",
    ]
    list_select_related = ["member", "admission", "staff__user"]
    date_hierarchy = "assigned_at"
