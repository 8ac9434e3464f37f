"""Form fields and forms shared by the pages of every app."""

import datetime as dt
import zoneinfo

from django import forms
from django.forms.utils import pretty_name
from django.utils import timezone

from .errors import ServiceError

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
DATETIME_LOCAL_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def _is_nonexistent(local, tz):
    """Say whether the wall-clock time `local` is skipped by a clock change."""
    aware = local.replace(tzinfo=tz)
    round_trip = aware.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
    return round_trip != local


class ProgramDateTimeField(forms.Field):
    """A `datetime-local` input read as wall-clock time in the program's zone.

    The browser sends a time with no offset. The form that owns the field
    sets `tz` to the program's timezone (see ProgramForm), and the cleaned
    value is an aware datetime in UTC. A time that the spring-forward night
    skips is rejected. A time that the fall-back night repeats is read as
    its first occurrence, the daylight-saving one.
    """

    widget = forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT
    )
    default_error_messages = {
        "invalid": "Enter a date and time, such as 2026-03-09 14:30.",
        "nonexistent": (
            "%(value)s does not exist in %(zone)s because the clocks go forward "
            "that night; enter a time before or after the change."
        ),
    }

    def __init__(self, *, tz=None, **kwargs):
        super().__init__(**kwargs)
        self.tz = tz or zoneinfo.ZoneInfo("UTC")

    def prepare_value(self, value):
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return value.astimezone(self.tz).replace(tzinfo=None, second=0)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            if timezone.is_naive(value):
                value = value.replace(tzinfo=self.tz)
            return value.astimezone(dt.UTC)
        text = str(value).strip()
        for input_format in DATETIME_LOCAL_INPUT_FORMATS:
            try:
                local = dt.datetime.strptime(text, input_format)
            except ValueError:
                continue
            if _is_nonexistent(local, self.tz):
                raise forms.ValidationError(
                    self.error_messages["nonexistent"],
                    code="nonexistent",
                    params={"value": f"{local:%H:%M on %-d %B %Y}", "zone": self.tz},
                )
            # In UTC, because Python compares and subtracts two datetimes of
            # the same zone by wall clock, which is wrong across a DST change.
            return local.replace(tzinfo=self.tz, fold=0).astimezone(dt.UTC)
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class PageForm(forms.Form):
    """A form of the pages: required-field messages name the field, and a
    ServiceError from the service is shown where it belongs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default_message = forms.Field.default_error_messages["required"]
        for name, field in self.fields.items():
            if field.error_messages["required"] != default_message:
                continue
            label = field.label or pretty_name(name)
            verb = "choose" if isinstance(field, forms.ChoiceField) else "enter"
            field.error_messages["required"] = f"{label} is missing; {verb} it."

    def add_service_error(self, error):
        """Show a ServiceError at its field, or above the form if the field is
        not one of this form's (such as the referral an evaluation is for)."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, forms.ValidationError(error.message, code=error.code))


class ProgramForm(PageForm):
    """A form whose datetime fields are read in the program's timezone.

    Each required ProgramDateTimeField without an initial value starts at
    the current time, so a clinician recording something that just happened
    needs to change nothing.
    """

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        for field in self.fields.values():
            if isinstance(field, ProgramDateTimeField):
                field.tz = program.tz
                if field.required and field.initial is None:
                    field.initial = timezone.now
                zone_note = f"Program time ({program.timezone})."
                field.help_text = f"{field.help_text} {zone_note}".strip()


def call_service(form, action):
    """Validate `form` and pass its cleaned data to `action`.

    Returns what `action` returns, or None when the form is invalid or the
    service raised a ServiceError, which is then shown on the form.
    """
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except ServiceError as error:
        form.add_service_error(error)
        return None


class WithdrawForm(PageForm):
    """The reason a record entered in error is withdrawn."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Say why the record is withdrawn; the reason stays on the record.",
    )


class MemberForm(PageForm):
    """Fields to register a member of the signed-in user's program."""

    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    date_of_birth = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the date of birth, such as 1990-01-31."},
    )
    plan_member_id = forms.CharField(
        label="Health plan member ID",
        max_length=40,
        help_text="The ID on the member's health plan card.",
    )
