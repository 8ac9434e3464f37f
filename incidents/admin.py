"""Read-only admin for adverse incidents.

Incidents, their reports to the health plan and withdrawals go through
incidents.services, which opens, meets or cancels the reporting deadline.
"""

from django.contrib import admin

from iop.admin import ReadOnlyAdmin

from .models import AdverseIncident


@admin.register(AdverseIncident)
class AdverseIncidentAdmin(ReadOnlyAdmin):
    # The description is free text about the member: it is shown on the
    # record's own page only, never in the list.
    list_display = [
        "__str__",
        "member",
        "kind",
        "occurred_at",
        "discovered_at",
        "reported_to_plan_at",
        "withdrawn_at",
    ]
    list_filter = [
        "program",
        "kind",
        ("reported_to_plan_at", admin.EmptyFieldListFilter),
        ("withdrawn_at", admin.EmptyFieldListFilter),
    ]
    search_fields = [
        "member__last_name",
        "member__first_name",
        "member__plan_member_id",
    ]
    list_select_related = ["member"]
    date_hierarchy = "occurred_at"
