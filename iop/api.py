"""REST API building blocks shared by every app, and the program and member
resources.

Every resource shows only the signed-in staff member's program. Serializers
check the shape of input. The service functions check its meaning and write
it, so the API, the pages and the demo data share one set of rules.
"""

import datetime as dt
from collections.abc import Mapping

from django import forms
from django.core.validators import MaxLengthValidator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, parsers, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from .api_errors import ApiJSONParser
from .audit import record_audit
from .models import Member, Program
from .permissions import staff_of
from .services import register_member

EXAMPLE_AWARE_DATETIME = "2026-03-09T14:00:00-04:00"

# The largest PostgreSQL bigint, the type of every primary key.
MAX_ID = 2**63 - 1
MAX_ID_DIGITS = len(str(MAX_ID))

# The years a query parameter instant may fall in. Outside them a time is a
# typing error, and near year 1 or 9999 converting it to UTC overflows.
FIRST_QUERY_YEAR = 2000
LAST_QUERY_YEAR = 2100

# Form posts from the browsable API carry the CSRF token next to the fields.
IGNORED_INPUT_KEYS = {"csrfmiddlewaretoken"}
# The maximum number of unexpected keys one error response lists, so that a
# body with thousands of keys does not get a response many times its size.
MAX_REPORTED_KEYS = 20

# Server-set fields that every clinical record shows and no request may set.
RECORDING_FIELDS = ["recorded_at", "recorded_by"]
WITHDRAWAL_FIELDS = ["withdrawn_at", "withdrawn_by", "withdrawal_reason"]


def naive_datetime_message(name):
    return (
        f"{name} has no UTC offset; send it with one, such as "
        f"{EXAMPLE_AWARE_DATETIME} or 2026-03-09T18:00:00Z."
    )


def invalid_id_message(name):
    return (
        f"{name} must be a whole number id from 1 to {MAX_ID}; send the "
        "record's id, such as 42, without a decimal point, quotes or spaces."
    )


def parse_id(value):
    """Return `value` as a record id, or None if it is not one.

    An id is a JSON integer, or a string of ASCII digits as a form or query
    string sends it, from 1 to MAX_ID. Floats, booleans, signs and
    whitespace are not ids, because reading them as one would address a
    record the client did not name.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        # The length check comes first, because int() raises ValueError for
        # a string of more than 4,300 digits.
        is_digits = value.isascii() and value.isdigit()
        if not is_digits or len(value) > MAX_ID_DIGITS:
            return None
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        return None
    return value


# Fields


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO-8601 instant that must carry its UTC offset.

    A time without an offset is ambiguous for a program in another timezone,
    so it is rejected instead of being read as UTC. Output is in UTC.
    """

    default_error_messages = {
        "naive": "{message}",
        "invalid": "{field_name} is not a valid ISO-8601 time; send one with "
        f"its UTC offset, such as {EXAMPLE_AWARE_DATETIME}.",
        "overflow": "{field_name} is out of range; check the year.",
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive", message=naive_datetime_message(self.field_name))
        return super().enforce_timezone(value)

    def fail(self, key, **kwargs):
        super().fail(key, field_name=self.field_name, **kwargs)


class LocalTimeField(serializers.TimeField):
    """A time of day in the program's own timezone, without a UTC offset.

    Django's parse_time (5.2) drops an offset silently, so 10:00+05:00 would
    be stored as 10:00 local time. A time with an offset is rejected instead.
    """

    default_error_messages = {
        "offset": "{field_name} has a UTC offset; send the program's local "
        "time without one, such as 14:30.",
    }

    def to_internal_value(self, value):
        if isinstance(value, str) and has_utc_offset(value):
            self.fail("offset", field_name=self.field_name)
        return super().to_internal_value(value)


def has_utc_offset(value):
    try:
        return dt.time.fromisoformat(value.strip()).tzinfo is not None
    except ValueError:
        return False


class ProgramRecordField(serializers.PrimaryKeyRelatedField):
    """The id of a related record of the signed-in staff member's program.

    An id from another program gets the same error as an id that does not
    exist, so the API never confirms that another program's record exists.
    """

    default_error_messages = {
        "does_not_exist": "{model} #{pk_value} does not exist; send the id of "
        "one of your program's records.",
        "invalid_id": "{message}",
    }

    def to_internal_value(self, data):
        record_id = parse_id(data)
        if record_id is None:
            self.fail("invalid_id", message=invalid_id_message(self.field_name))
        return super().to_internal_value(record_id)

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


class RejectUnexpectedKeysMixin:
    """Reject input keys that are not writable fields, instead of ignoring
    them.

    A client that sends `recorded_at` or misspells a field would otherwise
    get a 201 for a record that differs from what it sent.
    """

    @property
    def input_name(self):
        """What the input describes, as messages name it: "this request"."""
        return "this request"

    def to_internal_value(self, data):
        key_errors = self.unexpected_key_errors(data)
        try:
            validated = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if key_errors and isinstance(exc.detail, dict):
                errors = {**exc.detail, **key_errors}
                raise serializers.ValidationError(errors) from exc
            raise
        if key_errors:
            raise serializers.ValidationError(key_errors)
        return validated

    def unexpected_key_errors(self, data):
        if not isinstance(data, Mapping):
            return {}
        writable = [name for name, field in self.fields.items() if not field.read_only]
        unexpected = [
            key
            for key in data.keys()
            if key not in writable and key not in IGNORED_INPUT_KEYS
        ]
        errors = {}
        for key in unexpected[:MAX_REPORTED_KEYS]:
            if key in self.fields:
                message = f"{key} is set by the server; remove it from the request."
                code = "read_only"
            else:
                message = (
                    f"{key} is not a field of {self.input_name}; remove it. "
                    f"Fields you can send: {', '.join(writable)}."
                )
                code = "unknown_field"
            errors[key] = [exceptions.ErrorDetail(message, code=code)]
        return errors


# DRF's own messages name no field, so the API client cannot tell from the
# sentence alone which value to fix. Each is replaced where a field still
# uses it; messages a field sets itself are kept.
DRF_DEFAULT_MESSAGES = [
    ("required", "This field is required.", "{name} is missing; send it."),
    ("null", "This field may not be null.", "{name} may not be null; send a value."),
    ("blank", "This field may not be blank.", "{name} is empty; send a value."),
    (
        "invalid_choice",
        '"{input}" is not a valid choice.',
        '{name}: "{{input}}" is not one of the allowed values; send one of: {choices}.',
    ),
    ("invalid", "Must be a valid boolean.", "{name} must be true or false."),
    (
        "invalid",
        "Date has wrong format. Use one of these formats instead: {format}.",
        "{name} is not a valid date; send an existing date as YYYY-MM-DD, "
        "such as 2026-03-09.",
    ),
    (
        "invalid",
        "Time has wrong format. Use one of these formats instead: {format}.",
        "{name} is not a valid time of day; send it as HH:MM, such as 14:30.",
    ),
]


def name_field_in_messages(name, field):
    """Replace DRF's default messages of `field` with ones naming `name`."""
    choices = ", ".join(str(value) for value in getattr(field, "choices", {}))
    for key, default, ours in DRF_DEFAULT_MESSAGES:
        if field.error_messages.get(key) == default:
            field.error_messages[key] = ours.format(name=name, choices=choices)
    # DRF formats the length message into its validator when the field is
    # built, so the validator's own message is the one to replace.
    for validator in field.validators:
        if not isinstance(validator, MaxLengthValidator):
            continue
        limit = validator.limit_value
        default = f"Ensure this field has no more than {limit} characters."
        if str(validator.message) == default:
            validator.message = (
                f"{name} is longer than {limit} characters; shorten it to "
                f"{limit} or fewer."
            )


class NamedFieldMessagesMixin:
    """Give every field error messages that name the field and the fix."""

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            name_field_in_messages(name, field)
        return fields


class ApiSerializer(
    NamedFieldMessagesMixin, RejectUnexpectedKeysMixin, serializers.Serializer
):
    """A serializer of an action's input, such as a withdrawal reason, that
    rejects unexpected keys."""


class ApiModelSerializer(
    NamedFieldMessagesMixin, RejectUnexpectedKeysMixin, serializers.ModelSerializer
):
    """A model serializer that rejects unexpected keys, whose datetimes
    require a UTC offset and whose times of day must not carry one.

    Uniqueness is left to the services, which check it under a row lock and
    explain the conflict, so no validator of the model's unique constraints
    runs here.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: AwareDateTimeField,
        models.TimeField: LocalTimeField,
    }

    @property
    def input_name(self):
        """The model's name with its article: "a referral"."""
        noun = self.Meta.model._meta.verbose_name
        article = "an" if noun[0] in "aeiou" else "a"
        return f"{article} {noun}"

    def get_validators(self):
        return []

    @property
    def user(self):
        return self.context["request"].user


class WithdrawalSerializer(ApiSerializer):
    """The reason for withdrawing a record entered in error."""

    reason = serializers.CharField(
        max_length=1000,
        error_messages={
            "required": "Reason is missing; say why the record is withdrawn.",
            "blank": "Reason is missing; say why the record is withdrawn.",
        },
    )


# Query parameters
#
# Form fields of filter sets find the name of their query parameter in
# `parameter`, which ApiFilterSet sets, so every message can name it.


def parameter_error(message, code):
    # translate_validation in django-filter applies `message % params`, so a
    # message with a % in it (a URL-encoded +) must travel as a parameter.
    return forms.ValidationError("%(message)s", code=code, params={"message": message})


class AwareIsoDateTimeFormField(IsoDateTimeField):
    """A query parameter with an ISO-8601 instant that carries its offset,
    in the years FIRST_QUERY_YEAR to LAST_QUERY_YEAR."""

    parameter = "This time"

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            # A well-formed but impossible date, such as 30 February.
            parsed = None
        if parsed is None:
            raise parameter_error(
                f"{self.parameter} is not a valid ISO-8601 time; send one with "
                f"its UTC offset, such as {EXAMPLE_AWARE_DATETIME}, and write "
                "the + of an offset as %2B in a URL.",
                "invalid",
            )
        if timezone.is_naive(parsed):
            raise parameter_error(
                naive_datetime_message(self.parameter)
                + " In a URL, write a + in the offset as %2B.",
                "naive_datetime",
            )
        if not FIRST_QUERY_YEAR <= parsed.year <= LAST_QUERY_YEAR:
            raise parameter_error(
                f"{self.parameter} must fall in the years {FIRST_QUERY_YEAR} to "
                f"{LAST_QUERY_YEAR}; check the year.",
                "out_of_range",
            )
        return parsed


class AwareIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = AwareIsoDateTimeFormField


class IdFormField(forms.Field):
    """A query parameter with a record id."""

    parameter = "This id"

    def to_python(self, value):
        if value in self.empty_values:
            return None
        record_id = parse_id(value)
        if record_id is None:
            raise parameter_error(invalid_id_message(self.parameter), "invalid_id")
        return record_id


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.Filter):
    """Rows whose related record has this id.

    The id is not looked up, so another program's id gives an empty list,
    the same as an id that does not exist.
    """

    field_class = IdFormField


class BooleanFormField(forms.Field):
    """A query parameter that is true or false, or 1 or 0."""

    parameter = "This value"
    widget = forms.TextInput
    values = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.values[value.lower()]
        except KeyError:
            raise parameter_error(
                f"{self.parameter} must be true or false.", "invalid_boolean"
            ) from None


class BooleanFilter(filters.BooleanFilter):
    """A true or false filter that rejects any other value.

    django-filter's own reads a value it does not know as absent, so a
    misspelled value returned every row.
    """

    field_class = BooleanFormField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class ApiFilterSet(filters.FilterSet):
    """A filter set whose error messages name the query parameter at fault."""

    def get_form_class(self):
        form_class = super().get_form_class()
        for name, field in form_class.base_fields.items():
            field.parameter = name
            if isinstance(field, forms.ChoiceField):
                allowed = ", ".join(str(value) for value, _ in field.choices if value)
                field.error_messages["invalid_choice"] = (
                    f"{name} must be one of: {allowed}."
                )
        return form_class


# Views

# Query parameters whose values are ids, choices or times. Others, such as a
# name or plan ID search, are audited by name only, since their values can
# identify a member.
AUDITED_QUERY_VALUES = {
    "member",
    "admission",
    "discharge",
    "referral",
    "evaluation",
    "staff",
    "rule",
    "state",
    "kind",
    "as_of",
    "is_open",
    "limit",
    "offset",
}


def _auditable_query(query_params):
    return {
        key: value if key in AUDITED_QUERY_VALUES else "…"
        for key, value in query_params.items()
    }


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

    def get_object(self):
        """Return the addressed record of the program, or raise NotFound.

        The message is the same for another program's record as for one that
        does not exist, and names no model class.
        """
        try:
            return super().get_object()
        except Http404:
            record_id = parse_id(
                self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
            )
            if record_id is None:
                raise exceptions.NotFound() from None
            noun = self.queryset.model._meta.verbose_name.capitalize()
            raise exceptions.NotFound(
                f"{noun} #{record_id} was not found in your program; check the id."
            ) from None

    def audited_member(self, record):
        return record.member

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        record_audit(
            request.user,
            f"{self.audit_name}.listed",
            member=self._listed_member(request),
            program=self.staff.program,
            detail={
                "count": len(response.data["results"]),
                "query": _auditable_query(request.query_params),
            },
        )
        return response

    def _listed_member(self, request):
        """Return the member a list was filtered to, if any."""
        member_id = request.query_params.get("member", "")
        if not member_id.isdigit() or len(member_id) > 18:
            return None
        return Member.objects.filter(pk=member_id, program=self.staff.program).first()

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


# Tokens


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token.

    One client address may try 10 times a minute, which slows password
    guessing. Further tries within that minute return 429.
    """

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    parser_classes = [parsers.FormParser, parsers.MultiPartParser, ApiJSONParser]

    def throttled(self, request, wait):
        raise exceptions.Throttled(
            wait, detail="Too many token requests from this address."
        )


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


class MemberFilter(ApiFilterSet):
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
