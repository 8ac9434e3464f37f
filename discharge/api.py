"""REST API for discharges and the appointments the member leaves with."""

from django_filters import rest_framework as filters

from iop.api import (
    RECORDING_FIELDS,
    WITHDRAWAL_FIELDS,
    ApiFilterSet,
    ApiModelSerializer,
    ClinicalRecordViewSet,
    IdFilter,
    ProgramRecordField,
)
from referrals.models import Admission

from .choices import AppointmentKind
from .models import Appointment, Discharge
from .services import (
    discharge_member,
    record_appointment,
    withdraw_appointment,
    withdraw_discharge,
)

# Discharges


class DischargeSerializer(ApiModelSerializer):
    admission = ProgramRecordField(queryset=Admission.objects.all())

    class Meta:
        model = Discharge
        fields = [
            "id",
            "admission",
            "member",
            "program",
            "discharged_at",
            "disposition",
            "on_medications",
            *RECORDING_FIELDS,
            *WITHDRAWAL_FIELDS,
        ]
        read_only_fields = ["member", "program", *RECORDING_FIELDS, *WITHDRAWAL_FIELDS]
        extra_kwargs = {"on_medications": {"required": True}}

    def create(self, validated_data):
        return discharge_member(
            validated_data["admission"],
            discharged_at=validated_data["discharged_at"],
            disposition=validated_data["disposition"],
            on_medications=validated_data["on_medications"],
            by=self.user,
        )


class DischargeFilter(ApiFilterSet):
    member = IdFilter(help_text="Only this member's discharges.")
    admission = IdFilter(help_text="Only this admission's discharges.")

    class Meta:
        model = Discharge
        fields = ["member", "admission"]


class DischargeViewSet(ClinicalRecordViewSet):
    """Discharges. Discharging closes the admission and opens the aftercare
    deadline, plus the medication-monitoring deadline for a member on
    medications. A death or a transfer to a higher level of care cancels
    both."""

    queryset = Discharge.objects.all()
    serializer_class = DischargeSerializer
    filterset_class = DischargeFilter
    audit_name = "discharge"
    withdraw_service = staticmethod(withdraw_discharge)


# Appointments


class AppointmentSerializer(ApiModelSerializer):
    discharge = ProgramRecordField(queryset=Discharge.objects.all())

    class Meta:
        model = Appointment
        fields = [
            "id",
            "discharge",
            "member",
            "program",
            "kind",
            "scheduled_on",
            "scheduled_time",
            "provider",
            *RECORDING_FIELDS,
            *WITHDRAWAL_FIELDS,
        ]
        read_only_fields = ["member", "program", *RECORDING_FIELDS, *WITHDRAWAL_FIELDS]

    def create(self, validated_data):
        return record_appointment(
            validated_data["discharge"],
            kind=validated_data["kind"],
            scheduled_on=validated_data["scheduled_on"],
            scheduled_time=validated_data.get("scheduled_time"),
            provider=validated_data["provider"],
            by=self.user,
        )


class AppointmentFilter(ApiFilterSet):
    member = IdFilter(help_text="Only this member's appointments.")
    discharge = IdFilter(help_text="Only this discharge's appointments.")
    kind = filters.ChoiceFilter(choices=AppointmentKind.choices)

    class Meta:
        model = Appointment
        fields = ["member", "discharge", "kind"]


class AppointmentViewSet(ClinicalRecordViewSet):
    """Aftercare and medication-monitoring appointments. Recording one dated
    within its window (7 or 14 days from the discharge date) meets the
    matching deadline at the time it is recorded."""

    queryset = Appointment.objects.all()
    serializer_class = AppointmentSerializer
    filterset_class = AppointmentFilter
    audit_name = "appointment"
    withdraw_service = staticmethod(withdraw_appointment)
