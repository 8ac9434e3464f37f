"""REST API for reportable adverse incidents."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from iop.api import (
    RECORDING_FIELDS,
    WITHDRAWAL_FIELDS,
    ApiFilterSet,
    ApiModelSerializer,
    ApiSerializer,
    AwareDateTimeField,
    ClinicalRecordViewSet,
    IdFilter,
    ProgramRecordField,
)
from iop.choices import Role
from iop.models import Member

from .choices import IncidentKind
from .models import AdverseIncident
from .services import (
    MAX_DESCRIPTION_LENGTH,
    record_incident,
    report_incident_to_plan,
    withdraw_incident,
)


class IncidentSerializer(ApiModelSerializer):
    member = ProgramRecordField(queryset=Member.objects.all())

    class Meta:
        model = AdverseIncident
        fields = [
            "id",
            "member",
            "program",
            "kind",
            "occurred_at",
            "discovered_at",
            "description",
            "reported_to_plan_at",
            "reported_by",
            *RECORDING_FIELDS,
            *WITHDRAWAL_FIELDS,
        ]
        read_only_fields = [
            "program",
            "reported_by",
            *RECORDING_FIELDS,
            *WITHDRAWAL_FIELDS,
        ]
        extra_kwargs = {
            "description": {
                "max_length": MAX_DESCRIPTION_LENGTH,
                "error_messages": {
                    "max_length": "description is longer than {max_length} "
                    "characters; shorten it to {max_length} characters or fewer.",
                },
            },
        }

    def create(self, validated_data):
        return record_incident(
            validated_data["member"],
            kind=validated_data["kind"],
            occurred_at=validated_data["occurred_at"],
            discovered_at=validated_data["discovered_at"],
            description=validated_data.get("description", ""),
            reported_to_plan_at=validated_data.get("reported_to_plan_at"),
            by=self.user,
        )


class ReportToPlanSerializer(ApiSerializer):
    """When the incident was reported to the health plan."""

    reported_to_plan_at = AwareDateTimeField()


class IncidentFilter(ApiFilterSet):
    member = IdFilter(help_text="Only this member's incidents.")
    kind = filters.ChoiceFilter(choices=IncidentKind.choices)

    class Meta:
        model = AdverseIncident
        fields = ["member", "kind"]


class IncidentViewSet(ClinicalRecordViewSet):
    """Reportable adverse incidents, due to the health plan by the end of the
    next business day after they occurred. Any staff role may record one."""

    queryset = AdverseIncident.objects.all()
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    write_roles = set(Role.values)
    audit_name = "incident"
    withdraw_service = staticmethod(withdraw_incident)

    @extend_schema(request=ReportToPlanSerializer)
    @action(detail=True, methods=["post"], url_path="report-to-plan")
    def report_to_plan(self, request, pk=None):
        """Record that the incident was reported to the health plan; this
        meets its reporting deadline."""
        record = self.get_object()
        data = ReportToPlanSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = report_incident_to_plan(
            record,
            reported_at=data.validated_data["reported_to_plan_at"],
            by=request.user,
        )
        return Response(self.get_serializer(record).data)
