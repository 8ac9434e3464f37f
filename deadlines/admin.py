"""Admin for deadlines, alerts, the notification outbox and rule settings.

Deadlines, alerts and notifications are read-only: services open and close
deadlines and the sweep raises alerts. A program's stricter rule length is
edited here, and every save goes through set_rule_length, which validates
and audits it.
"""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils import timezone

from iop.admin import ReadOnlyAdmin
from iop.errors import ServiceError

from .models import Alert, Deadline, Notification, RuleSetting, State
from .rules import RULES
from .selectors import filter_state, with_state
from .services import set_rule_length


class StateListFilter(admin.SimpleListFilter):
    """Filter deadlines by their state as of the request's time."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return State.choices

    def queryset(self, request, queryset):
        if self.value() in State.values:
            return filter_state(queryset, self.value(), timezone.now())
        return queryset


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "rule",
        "member",
        "state",
        "started_at",
        "due_at",
        "met_at",
        "cancelled_at",
    ]
    list_filter = [StateListFilter, "rule", "program"]
    search_fields = [
        "member__last_name",
        "member__first_name",
        "member__plan_member_id",
    ]
    list_select_related = ["member"]
    date_hierarchy = "due_at"

    def get_queryset(self, request):
        return with_state(super().get_queryset(request), timezone.now())

    @admin.display(description="state", ordering="state")
    def state(self, deadline):
        return State(deadline.state).label


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "rule", "member", "raised_at", "created_at"]
    list_filter = ["kind", "deadline__rule", "deadline__program"]
    search_fields = ["deadline__member__plan_member_id"]
    list_select_related = ["deadline__member"]
    date_hierarchy = "raised_at"

    @admin.display(description="rule", ordering="deadline__rule")
    def rule(self, alert):
        return alert.deadline.title

    @admin.display(description="member", ordering="deadline__member")
    def member(self, alert):
        return alert.deadline.member


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    date_hierarchy = "created_at"


class RuleSettingForm(forms.ModelForm):
    """A program's length for one rule, checked by set_rule_length itself.

    The admin saves after the form is valid, so an error raised at save time
    could not be shown at its field. clean() therefore calls the service in
    a savepoint that is always rolled back: the same checks and messages,
    nothing written.
    """

    # Set by RuleSettingAdmin.get_form: the person the dry run acts as.
    acting_user = None

    class Meta:
        model = RuleSetting
        fields = ["program", "rule", "length"]
        help_texts = {
            "length": (
                "Hours for the 24-hour rules, days for the others. At most the "
                "specification's length; applies to deadlines opened after the "
                "change."
            )
        }

    def clean(self):
        cleaned_data = super().clean()
        program = cleaned_data.get("program") or getattr(self.instance, "program", None)
        rule_key = cleaned_data.get("rule") or self.instance.rule
        length = cleaned_data.get("length")
        if program is None or not rule_key or length is None:
            return cleaned_data

        try:
            with transaction.atomic():
                set_rule_length(program, rule_key, length, by=self.acting_user)
                transaction.set_rollback(True)
        except ServiceError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, forms.ValidationError(error.message, error.code))
        return cleaned_data


@admin.register(RuleSetting)
class RuleSettingAdmin(admin.ModelAdmin):
    form = RuleSettingForm
    list_display = [
        "program",
        "rule",
        "length",
        "specification_length",
        "changed_at",
        "changed_by",
    ]
    list_filter = ["program", "rule"]
    list_select_related = ["program", "changed_by"]

    def get_readonly_fields(self, request, obj=None):
        fields = ["specification_length", "changed_at", "changed_by"]
        if obj is not None:
            # A setting belongs to one program and rule; another pair is a new
            # setting.
            fields = ["program", "rule", *fields]
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        form_class.acting_user = request.user
        return form_class

    def save_model(self, request, obj, form, change):
        setting = set_rule_length(obj.program, obj.rule, obj.length, by=request.user)
        obj.pk = setting.pk
        obj.changed_at = setting.changed_at
        obj.changed_by = setting.changed_by

    # Without a row the specification's length applies again, but removing
    # the row would leave no audit entry: set the length back instead.
    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="specification's length")
    def specification_length(self, setting):
        rule = RULES.get(setting.rule)
        if rule is None:
            return "-"
        return f"{rule.length} {rule.length_unit}"
