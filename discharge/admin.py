"""Read-only admin for discharges and aftercare appointments.

Both are recorded and withdrawn through discharge.services, which opens,
meets, reopens or cancels the aftercare deadlines.
"""

from django.contrib import admin

from iop.admin import ReadOnlyAdmin

from .models import Appointment, Discharge

MEMBER_SEARCH_FIELDS = [
    "member__last_name",
    "member__first_name",
    "member__plan_member_id",
]


@admin.register(Discharge)
class DischargeAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "member",
        "discharged_at",
        "disposition",
        "on_medications",
        "withdrawn_at",
    ]
    list_filter = [
        "program",
        "disposition",
        "on_medications",
        ("withdrawn_at", admin.EmptyFieldListFilter),
    ]
    search_fields = MEMBER_SEARCH_FIELDS
    list_select_related = ["member"]
    date_hierarchy = "discharged_at"


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "member",
        "kind",
        "scheduled_on",
        "scheduled_time",
        "provider",
        "recorded_at",
        "withdrawn_at",
    ]
    list_filter = [
        "program",
        "kind",
        ("withdrawn_at", admin.EmptyFieldListFilter),
    ]
    search_fields = [*MEMBER_SEARCH_FIELDS, "provider"]
    list_select_related = ["member"]
    date_hierarchy = "scheduled_on"
