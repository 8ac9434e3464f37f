"""REST API building blocks shared by every app, and the program and member
resources.

Every resource shows only the signed-in staff member's program. Serializers
check the shape of input. The service functions check its meaning and write
it, so the API, the pages and the demo data share one set of rules.
"""

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from .audit import record_audit
from .models import Member, Program
from .permissions import staff_of
from .services import register_member

EXAMPLE_AWARE_DATETIME = "2026-03-09T14:00:00-04:00"

# Server-set fields that every clinical record shows and no request may set.
RECORDING_FIELDS = ["recorded_at", "recorded_by"]
WITHDRAWAL_FIELDS = ["withdrawn_at", "withdrawn_by", "withdrawal_reason"]


def naive_datetime_message(name):
    return (
        f"{name} has no UTC offset; send it with one, such as "
        f"{EXAMPLE_AWARE_DATETIME} or 2026-03-09T18:00:00Z."
    )


# Fields


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO-8601 instant that must carry its UTC offset.

    A time without an offset is ambiguous for a program in another timezone,
    so it is rejected instead of being read as UTC. Output is in UTC.
    """

    default_error_messages = {"naive": "{message}"}

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive", message=naive_datetime_message(self.field_name))
        return super().enforce_timezone(value)


class ProgramRecordField(serializers.PrimaryKeyRelatedField):
    """The id of a related record of the signed-in staff member's program.

    An id from another program gets the same error as an id that does not
    exist, so the API never confirms that another program's record exists.
    """

    default_error_messages = {
        "does_not_exist": "{model} #{pk_value} does not exist; send the id of "
        "one of your program's records.",
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        staff = staff_of(getattr(self.context.get("request"), "user", None))
        if staff is None:
            return queryset.none()
        return queryset.filter(program_id=staff.program_id)

    def fail(self, key, **kwargs):
        if key == "does_not_exist":
            kwargs["model"] = self.queryset.model._meta.verbose_name.capitalize()
        super().fail(key, **kwargs)


class ApiModelSerializer(serializers.ModelSerializer):
    """A model serializer whose datetimes require a UTC offset.

    Uniqueness is left to the services, which check it under a row lock and
    explain the conflict, so no validator of the model's unique constraints
    runs here.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: AwareDateTimeField,
    }

    def get_validators(self):
        return []

    @property
    def user(self):
        return self.context["request"].user


class WithdrawalSerializer(serializers.Serializer):
    """The reason for withdrawing a record entered in error."""

    reason = serializers.CharField(
        max_length=1000,
        error_messages={
            "required": "Reason is missing; say why the record is withdrawn.",
            "blank": "Reason is missing; say why the record is withdrawn.",
        },
    )


class AwareIsoDateTimeFormField(IsoDateTimeField):
    """A query parameter with an ISO-8601 instant that carries its offset."""

    def to_python(self, value):
        if isinstance(value, str):
            parsed = parse_datetime(value.strip())
            if parsed is not None and timezone.is_naive(parsed):
                # Passed as a parameter, because the message contains a %.
                raise forms.ValidationError(
                    "%(message)s",
                    code="naive_datetime",
                    params={
                        "message": naive_datetime_message("This time")
                        + " In a URL, write a + in the offset as %2B."
                    },
                )
        return super().to_python(value)


class AwareIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = AwareIsoDateTimeFormField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """Rows whose related record has this id.

    The id is not looked up, so another program's id gives an empty list,
    the same as an id that does not exist.
    """

    field_class = forms.IntegerField


# Views


class ApiPagination(LimitOffsetPagination):
    # Caps one response, so a client cannot ask for a whole table at once.
    max_limit = 1000


class ProgramScopedViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A resource limited to the signed-in staff member's program.

    `program_lookup` is the queryset path to the program. Each list read
    writes one audit entry for the program, and each retrieve one entry
    naming the member whose record was read.
    """

    program_lookup = "program"
    audit_name = ""
    retrieve_related = ("member",)
    pagination_class = ApiPagination

    @property
    def staff(self):
        return self.request.user.staff

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        queryset = queryset.filter(
            **{f"{self.program_lookup}_id": self.staff.program_id}
        )
        if self.action == "retrieve" and self.retrieve_related:
            queryset = queryset.select_related(*self.retrieve_related)
        return queryset

    def audited_member(self, record):
        return record.member

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        record_audit(
            request.user,
            f"{self.audit_name}.listed",
            program=self.staff.program,
            detail={
                "count": len(response.data["results"]),
                "query": request.query_params.dict(),
            },
        )
        return response

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()
        record_audit(
            request.user,
            f"{self.audit_name}.viewed",
            record,
            member=self.audited_member(record),
            program=self.staff.program,
        )
        return Response(self.get_serializer(record).data)


class ClinicalRecordViewSet(mixins.CreateModelMixin, ProgramScopedViewSet):
    """A clinical record: read, recorded once, and withdrawn with a reason.

    Records are never changed or deleted in place, so PUT, PATCH and DELETE
    return 405. The serializer's `create` calls the app's service.
    """

    http_method_names = ["get", "post", "head", "options"]
    withdraw_service = None

    @extend_schema(request=WithdrawalSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a record entered in error, with a reason.

        Deadlines the record started are cancelled, and deadlines it had met
        open again.
        """
        return self.run_record_action(WithdrawalSerializer, self.withdraw_service)

    def run_record_action(self, input_serializer_class, service):
        """Call `service` on the addressed record with the validated input."""
        record = self.get_object()
        data = input_serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        record = service(record, **data.validated_data, by=self.request.user)
        return Response(self.get_serializer(record).data)


# Programs


class ProgramSerializer(ApiModelSerializer):
    class Meta:
        model = Program
        fields = [
            "id",
            "name",
            "population",
            "timezone",
            "state",
            "days_open_per_week",
            "created_at",
        ]
        read_only_fields = fields


class ProgramViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The signed-in staff member's own program, read-only."""

    queryset = Program.objects.all()
    serializer_class = ProgramSerializer
    pagination_class = ApiPagination
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        return queryset.filter(pk=self.request.user.staff.program_id)


# Members


class MemberSerializer(ApiModelSerializer):
    class Meta:
        model = Member
        fields = [
            "id",
            "program",
            "first_name",
            "last_name",
            "date_of_birth",
            "plan_member_id",
            "recorded_at",
            "recorded_by",
        ]
        read_only_fields = ["program", "recorded_at", "recorded_by"]

    def create(self, validated_data):
        return register_member(
            self.user.staff.program,
            first_name=validated_data["first_name"],
            last_name=validated_data["last_name"],
            date_of_birth=validated_data["date_of_birth"],
            plan_member_id=validated_data["plan_member_id"],
            by=self.user,
        )


class MemberFilter(filters.FilterSet):
    plan_member_id = filters.CharFilter(help_text="The health plan member ID.")

    class Meta:
        model = Member
        fields = ["plan_member_id"]


class MemberViewSet(mixins.CreateModelMixin, ProgramScopedViewSet):
    """Members of the program: list, read and register."""

    queryset = Member.objects.all()
    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    http_method_names = ["get", "post", "head", "options"]
    audit_name = "member"
    retrieve_related = ()

    def audited_member(self, record):
        return record
