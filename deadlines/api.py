"""Read-only REST API for deadlines and the alerts raised on them."""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import get_attribute

from iop.api import (
    ApiFilterSet,
    AwareDateTimeField,
    AwareIsoDateTimeFilter,
    IdFilter,
    ProgramScopedViewSet,
)

from .models import Alert, AlertKind, Deadline, State
from .rules import RULE_CHOICES, RULES
from .selectors import filter_state, with_state

# The columns a deadline list reads; rows are plain dicts, not model instances.
DEADLINE_COLUMNS = [
    "id",
    "rule",
    "member_id",
    "subject_type_id",
    "subject_id",
    "started_at",
    "due_soon_at",
    "due_at",
    "met_at",
    "cancelled_at",
    "cancel_reason",
    "state",
]


# Deadlines


class DeadlineSerializer(serializers.Serializer):
    """One deadline with its state as of the request's `as_of`.

    Reads a model instance (retrieve) or a dict of DEADLINE_COLUMNS (list).
    """

    id = serializers.IntegerField(read_only=True)
    rule = serializers.ChoiceField(choices=RULE_CHOICES, read_only=True)
    rule_title = serializers.SerializerMethodField()
    member = serializers.IntegerField(source="member_id", read_only=True)
    subject_type = serializers.SerializerMethodField(
        help_text="The record that started the clock, as app_label.model, "
        "for example referrals.referral."
    )
    subject_id = serializers.IntegerField(read_only=True)
    started_at = AwareDateTimeField(read_only=True)
    due_soon_at = AwareDateTimeField(read_only=True)
    due_at = AwareDateTimeField(read_only=True)
    met_at = AwareDateTimeField(read_only=True, allow_null=True)
    cancelled_at = AwareDateTimeField(read_only=True, allow_null=True)
    cancel_reason = serializers.CharField(read_only=True)
    state = serializers.ChoiceField(choices=State.choices, read_only=True)

    @extend_schema_field(OpenApiTypes.STR)
    def get_rule_title(self, deadline):
        return RULES[get_attribute(deadline, ["rule"])].title

    @extend_schema_field(OpenApiTypes.STR)
    def get_subject_type(self, deadline):
        # get_for_id caches content types, so a page of rows costs no query.
        content_type = ContentType.objects.get_for_id(
            get_attribute(deadline, ["subject_type_id"])
        )
        return f"{content_type.app_label}.{content_type.model}"


class DeadlineFilter(ApiFilterSet):
    """Filters on deadlines; also annotates each row with its state.

    The state depends on the time it is read at, so this filter set applies
    selectors.with_state as of `as_of` (now when absent) before the filters.
    """

    member = IdFilter(help_text="Only this member's deadlines.")
    rule = filters.ChoiceFilter(choices=RULE_CHOICES)
    state = filters.ChoiceFilter(
        choices=State.choices,
        method="filter_by_state",
        help_text="Only deadlines in this state as of `as_of`.",
    )
    as_of = AwareIsoDateTimeFilter(
        method="keep_all",
        help_text="Compute states as of this ISO-8601 instant with its UTC "
        "offset (write + as %2B in a URL); default now.",
    )

    class Meta:
        model = Deadline
        fields = ["member", "rule", "state", "as_of"]

    def filter_queryset(self, queryset):
        given_as_of = self.form.cleaned_data.get("as_of")
        self.as_of = given_as_of or timezone.now()
        # A given as_of requests the deadlines as they were then. Rows not yet
        # started are left out, and later meetings or cancellations ignored.
        self.historical = given_as_of is not None
        if self.historical:
            queryset = queryset.filter(started_at__lte=self.as_of)
        queryset = with_state(queryset, self.as_of, historical=self.historical)
        return super().filter_queryset(queryset)

    def filter_by_state(self, queryset, name, value):
        return filter_state(queryset, value, self.as_of, historical=self.historical)

    def keep_all(self, queryset, name, value):
        return queryset


class DeadlineViewSet(ProgramScopedViewSet):
    """Deadlines of the program with their state: open, due soon, overdue,
    met, met late or cancelled."""

    queryset = Deadline.objects.all()
    serializer_class = DeadlineSerializer
    filterset_class = DeadlineFilter
    http_method_names = ["get", "head", "options"]
    audit_name = "deadline"

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list":
            queryset = queryset.values(*DEADLINE_COLUMNS)
        return queryset


# Alerts


class AlertSerializer(serializers.ModelSerializer):
    rule = serializers.ChoiceField(
        source="deadline.rule", choices=RULE_CHOICES, read_only=True
    )
    member = serializers.IntegerField(source="deadline.member_id", read_only=True)
    due_at = AwareDateTimeField(source="deadline.due_at", read_only=True)
    raised_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Alert
        fields = ["id", "deadline", "kind", "rule", "member", "due_at", "raised_at"]
        read_only_fields = fields


class AlertFilter(ApiFilterSet):
    member = IdFilter(
        field_name="deadline__member", help_text="Only this member's alerts."
    )
    rule = filters.ChoiceFilter(field_name="deadline__rule", choices=RULE_CHOICES)
    kind = filters.ChoiceFilter(choices=AlertKind.choices)

    class Meta:
        model = Alert
        fields = ["member", "rule", "kind"]


class AlertViewSet(ProgramScopedViewSet):
    """Alerts the sweep raised: one per deadline and kind (due soon,
    overdue), newest first."""

    queryset = Alert.objects.select_related("deadline")
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    http_method_names = ["get", "head", "options"]
    program_lookup = "deadline__program"
    audit_name = "alert"
    retrieve_related = ("deadline__member",)

    def audited_member(self, record):
        return record.deadline.member
