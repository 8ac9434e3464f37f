"""Read-only admin for referrals, evaluations and admissions.

Corrections go through referrals.services (withdrawal with a reason), which
reopens or cancels the deadlines a record had met or started.
"""

from django.contrib import admin

from iop.admin import ReadOnlyAdmin

from .models import Admission, Evaluation, Referral

MEMBER_SEARCH_FIELDS = [
    "member__last_name",
    "member__first_name",
    "member__plan_member_id",
]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "member",
        "kind",
        "source",
        "plan_product",
        "received_at",
        "recorded_at",
        "withdrawn_at",
    ]
    list_filter = [
        "program",
        "kind",
        "source",
        "plan_product",
        ("withdrawn_at", admin.EmptyFieldListFilter),
    ]
    search_fields = MEMBER_SEARCH_FIELDS
    list_select_related = ["member"]
    date_hierarchy = "received_at"


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "member",
        "referral",
        "outcome",
        "completed_at",
        "evaluated_by",
        "withdrawn_at",
    ]
    list_filter = [
        "program",
        "outcome",
        ("withdrawn_at", admin.EmptyFieldListFilter),
    ]
    search_fields = MEMBER_SEARCH_FIELDS
    list_select_related = ["member", "referral", "evaluated_by__user"]
    date_hierarchy = "completed_at"


@admin.register(Admission)
class AdmissionAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "member",
        "admitted_at",
        "closed_at",
        "withdrawn_at",
    ]
    list_filter = [
        "program",
        ("closed_at", admin.EmptyFieldListFilter),
        ("withdrawn_at", admin.EmptyFieldListFilter),
    ]
    search_fields = MEMBER_SEARCH_FIELDS
    list_select_related = ["member"]
    date_hierarchy = "admitted_at"
