"""Admin for programs, staff, members and the audit trail.

Programs, their closure days and staff are edited here. Members, clinical
records and the audit trail are shown read-only: members are registered and
clinical records corrected through the services (pages and API), which keep
deadlines and the audit trail consistent.
"""

from django.contrib import admin
from django.utils import timezone

from .audit import record_audit
from .models import AuditEntry, Member, Program, ProgramClosure, StaffMember

admin.site.site_header = "IOP program management"
admin.site.site_title = "IOP admin"
admin.site.index_title = "Administration"


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that shows records but never adds, changes or deletes them.

    Every field is shown, including the server-set ones (`recorded_at`, the
    withdrawal fields) that a model form leaves out. Opening one record that
    belongs to a member writes a `member.viewed_in_admin` audit entry, as the
    member page does for its own views.
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [
            field.name
            for field in self.model._meta.concrete_fields
            if not field.primary_key
        ]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200:
            # A list of clinical records shows member data. The search text
            # is not kept, since it may be a member's name.
            record_audit(
                request.user,
                "admin_list.viewed",
                at=timezone.now(),
                detail={"model": self.model._meta.label},
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and response.status_code == 200 and obj:
            _audit_member_view(request.user, obj)
        return response


def _member_of(obj):
    if isinstance(obj, Member):
        return obj
    # A notification reaches its member through its alert, and an alert
    # through its deadline; clinical records name the member themselves.
    for attribute in ("alert", "deadline"):
        obj = getattr(obj, attribute, obj)
    member = getattr(obj, "member", None)
    return member if isinstance(member, Member) else None


def _audit_member_view(user, obj):
    member = _member_of(obj)
    if isinstance(member, Member):
        record_audit(
            user, "member.viewed_in_admin", obj, member=member, at=timezone.now()
        )


class ProgramClosureInline(admin.TabularInline):
    model = ProgramClosure
    extra = 0
    fields = ["closed_on", "reason"]


class AuditedAdmin(admin.ModelAdmin):
    """An admin whose saves and deletes, inline rows included, are audited.

    Programs, closure days and staff change how later deadlines are
    computed and who may act, so each change is kept in the audit trail.
    """

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _audit_admin_change(
            request.user, obj, "changed" if change else "added", form.changed_data
        )

    def delete_model(self, request, obj):
        _audit_admin_change(request.user, obj, "deleted", [])
        super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            _audit_admin_change(request.user, obj, "deleted", [])
            obj.delete()
        for obj in instances:
            is_new = obj.pk is None
            obj.save()
            _audit_admin_change(request.user, obj, "added" if is_new else "changed", [])
        formset.save_m2m()


def _audit_admin_change(user, obj, verb, changed_fields):
    program = obj if isinstance(obj, Program) else getattr(obj, "program", None)
    record_audit(
        user,
        f"admin.{verb}",
        obj if verb != "deleted" else None,
        program=program,
        at=timezone.now(),
        detail={
            "model": obj._meta.label,
            "id": obj.pk,
            "fields": list(changed_fields),
            "text": str(obj),
        },
    )


@admin.register(Program)
class ProgramAdmin(AuditedAdmin):
    list_display = [
        "name",
        "population",
        "timezone",
        "state",
        "days_open_per_week",
        "created_at",
    ]
    list_filter = ["population", "state"]
    search_fields = ["name"]
    inlines = [ProgramClosureInline]

    # Members, staff and clinical records point at the program with PROTECT.
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgramClosure)
class ProgramClosureAdmin(AuditedAdmin):
    list_display = ["closed_on", "program", "reason"]
    list_filter = ["program"]
    search_fields = ["reason"]
    date_hierarchy = "closed_on"


@admin.register(StaffMember)
class StaffMemberAdmin(AuditedAdmin):
    list_display = [
        "__str__",
        "user",
        "program",
        "role",
        "discipline",
        "credentials",
        "is_independently_licensed",
        "is_active",
    ]
    list_filter = [
        "program",
        "role",
        "discipline",
        "is_independently_licensed",
        "is_active",
    ]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "credentials",
    ]
    list_select_related = ["user", "program"]
    autocomplete_fields = ["user"]

    # Clinical records name their staff with PROTECT: a person who leaves is
    # made inactive instead.
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "plan_member_id",
        "date_of_birth",
        "program",
        "recorded_at",
    ]
    list_filter = ["program"]
    search_fields = ["last_name", "first_name", "plan_member_id"]
    list_select_related = ["program"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "action",
        "actor",
        "program",
        "member",
        "subject_type",
        "subject_id",
    ]
    list_filter = ["action", "program", "subject_type"]
    search_fields = ["action", "actor__username", "member__plan_member_id"]
    list_select_related = ["actor", "program", "member", "subject_type"]
    date_hierarchy = "at"

    # Reading the audit trail is not itself a view of one member's record.
    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200:
            # A list of clinical records shows member data. The search text
            # is not kept, since it may be a member's name.
            record_audit(
                request.user,
                "admin_list.viewed",
                at=timezone.now(),
                detail={"model": self.model._meta.label},
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin.ModelAdmin.change_view(
            self, request, object_id, form_url, extra_context
        )
