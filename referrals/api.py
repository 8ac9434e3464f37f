"""REST API for referrals, evaluations and admissions."""

from django_filters import rest_framework as filters

from iop.api import (
    RECORDING_FIELDS,
    WITHDRAWAL_FIELDS,
    ApiFilterSet,
    ApiModelSerializer,
    BooleanFilter,
    ClinicalRecordViewSet,
    IdFilter,
    ProgramRecordField,
)
from iop.models import Member, StaffMember

from .choices import EvaluationOutcome, ReferralKind
from .models import Admission, Evaluation, Referral
from .services import (
    admit_member,
    record_evaluation,
    record_referral,
    withdraw_admission,
    withdraw_evaluation,
    withdraw_referral,
)

# Referrals


class ReferralSerializer(ApiModelSerializer):
    member = ProgramRecordField(queryset=Member.objects.all())

    class Meta:
        model = Referral
        fields = [
            "id",
            "member",
            "program",
            "source",
            "kind",
            "plan_product",
            "received_at",
            *RECORDING_FIELDS,
            *WITHDRAWAL_FIELDS,
        ]
        read_only_fields = ["program", *RECORDING_FIELDS, *WITHDRAWAL_FIELDS]

    def create(self, validated_data):
        return record_referral(
            validated_data["member"],
            source=validated_data["source"],
            kind=validated_data["kind"],
            plan_product=validated_data["plan_product"],
            received_at=validated_data["received_at"],
            by=self.user,
        )


class ReferralFilter(ApiFilterSet):
    member = IdFilter(help_text="Only this member's referrals.")
    kind = filters.ChoiceFilter(choices=ReferralKind.choices)

    class Meta:
        model = Referral
        fields = ["member", "kind"]


class ReferralViewSet(ClinicalRecordViewSet):
    """Referrals: a request to treat a member. Recording one opens the
    evaluation deadline (1 day for diversion, 2 days for step-down)."""

    queryset = Referral.objects.all()
    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter
    audit_name = "referral"
    withdraw_service = staticmethod(withdraw_referral)


# Evaluations


class EvaluationSerializer(ApiModelSerializer):
    referral = ProgramRecordField(queryset=Referral.objects.all())
    evaluated_by = ProgramRecordField(queryset=StaffMember.objects.all())

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "referral",
            "member",
            "program",
            "completed_at",
            "evaluated_by",
            "outcome",
            *RECORDING_FIELDS,
            *WITHDRAWAL_FIELDS,
        ]
        read_only_fields = ["member", "program", *RECORDING_FIELDS, *WITHDRAWAL_FIELDS]

    def create(self, validated_data):
        return record_evaluation(
            validated_data["referral"],
            completed_at=validated_data["completed_at"],
            evaluated_by=validated_data["evaluated_by"],
            outcome=validated_data["outcome"],
            by=self.user,
        )


class EvaluationFilter(ApiFilterSet):
    member = IdFilter(help_text="Only this member's evaluations.")
    referral = IdFilter(help_text="Only this referral's evaluations.")
    outcome = filters.ChoiceFilter(choices=EvaluationOutcome.choices)

    class Meta:
        model = Evaluation
        fields = ["member", "referral", "outcome"]


class EvaluationViewSet(ClinicalRecordViewSet):
    """Evaluations of referrals. Recording one meets the referral's
    evaluation deadline and opens the 24-hour admission deadline, which any
    outcome but admit cancels."""

    queryset = Evaluation.objects.all()
    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilter
    audit_name = "evaluation"
    withdraw_service = staticmethod(withdraw_evaluation)


# Admissions


class AdmissionSerializer(ApiModelSerializer):
    evaluation = ProgramRecordField(queryset=Evaluation.objects.all())

    class Meta:
        model = Admission
        fields = [
            "id",
            "evaluation",
            "member",
            "program",
            "admitted_at",
            "closed_at",
            *RECORDING_FIELDS,
            *WITHDRAWAL_FIELDS,
        ]
        read_only_fields = [
            "member",
            "program",
            "closed_at",
            *RECORDING_FIELDS,
            *WITHDRAWAL_FIELDS,
        ]

    def create(self, validated_data):
        return admit_member(
            validated_data["evaluation"],
            admitted_at=validated_data["admitted_at"],
            by=self.user,
        )


class AdmissionFilter(ApiFilterSet):
    member = IdFilter(help_text="Only this member's admissions.")
    is_open = BooleanFilter(
        field_name="closed_at",
        lookup_expr="isnull",
        help_text="true: only admissions not yet closed by a discharge or "
        "withdrawal; false: only closed ones.",
    )

    class Meta:
        model = Admission
        fields = ["member", "is_open"]


class AdmissionViewSet(ClinicalRecordViewSet):
    """Admissions. Admitting meets the evaluation's admission deadline and
    opens the 24-hour care-team deadline; a member has at most one open
    admission."""

    queryset = Admission.objects.all()
    serializer_class = AdmissionSerializer
    filterset_class = AdmissionFilter
    audit_name = "admission"
    withdraw_service = staticmethod(withdraw_admission)
