"""REST API for an admission's care team."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

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
from iop.models import StaffMember
from referrals.models import Admission

from .models import CareTeamAssignment
from .services import (
    assign_team_member,
    end_team_assignment,
    withdraw_team_assignment,
)


class TeamMemberSerializer(ApiModelSerializer):
    admission = ProgramRecordField(queryset=Admission.objects.all())
    staff = ProgramRecordField(queryset=StaffMember.objects.all())

    class Meta:
        model = CareTeamAssignment
        fields = [
            "id",
            "admission",
            "member",
            "program",
            "staff",
            "discipline",
            "is_independently_licensed",
            "team_role",
            "assigned_at",
            "ended_at",
            "end_reason",
            *RECORDING_FIELDS,
            *WITHDRAWAL_FIELDS,
        ]
        # Discipline and licensure are copied from the staff record when the
        # person joins the team.
        read_only_fields = [
            "member",
            "program",
            "discipline",
            "is_independently_licensed",
            "ended_at",
            "end_reason",
            *RECORDING_FIELDS,
            *WITHDRAWAL_FIELDS,
        ]

    def create(self, validated_data):
        return assign_team_member(
            validated_data["admission"],
            staff=validated_data["staff"],
            assigned_at=validated_data["assigned_at"],
            team_role=validated_data.get("team_role", ""),
            by=self.user,
        )


class EndAssignmentSerializer(ApiSerializer):
    """When and why a person left the care team."""

    ended_at = AwareDateTimeField()
    reason = serializers.CharField(
        max_length=200,
        error_messages={
            "required": "Reason is missing; say why the person left the team.",
            "blank": "Reason is missing; say why the person left the team.",
        },
    )


class TeamMemberFilter(ApiFilterSet):
    admission = IdFilter(help_text="Only this admission's care team.")
    member = IdFilter(help_text="Only this member's care teams.")
    staff = IdFilter(help_text="Only this staff member's assignments.")

    class Meta:
        model = CareTeamAssignment
        fields = ["admission", "member", "staff"]


class TeamMemberViewSet(ClinicalRecordViewSet):
    """The care team of each admission. The 24-hour care-team deadline is
    met by the arrival that first gives the team 2 people of different
    disciplines, 1 of them independently licensed."""

    queryset = CareTeamAssignment.objects.all()
    serializer_class = TeamMemberSerializer
    filterset_class = TeamMemberFilter
    audit_name = "team_assignment"
    withdraw_service = staticmethod(withdraw_team_assignment)

    @extend_schema(request=EndAssignmentSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """Take the person off the care team; a met care-team deadline stays
        met."""
        return self.run_record_action(EndAssignmentSerializer, end_team_assignment)
