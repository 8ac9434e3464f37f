"""Form fields and forms shared by the pages of every app."""

import datetime as dt
import zoneinfo

from django import forms
from django.forms.utils import pretty_name
from django.utils import timezone

from .choices import CLINICAL_ROLES
from .errors import ServiceError
from .models import StaffMember

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


def _default_error_messages(field):
    """Return Django's error messages for `field`'s class, before any that the
    field itself was given."""
    messages = {}
    for cls in reversed(type(field).__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return messages


def _field_messages(label, field):
    """Return messages for `field` that name it and say how to fix the value.

    Django's own messages ("This field is required.", "Select a valid
    choice. ...") name no field, so they are unclear in the error summary.
    """
    is_choice = isinstance(field, forms.ChoiceField)
    messages = {
        "required": f"{label} is missing; {'choose' if is_choice else 'enter'} it."
    }
    if is_choice:
        messages["invalid_choice"] = (
            f"{label} is not one of the listed options; choose one of them."
        )
    if getattr(field, "max_length", None) is not None:
        # CharField checks the length with MaxLengthValidator, whose message
        # Field.run_validators replaces with the field's "max_length" one.
        messages["max_length"] = (
            f"{label} is too long (%(show_value)d characters); shorten it to "
            "%(limit_value)d or fewer."
        )
    return messages


class PageForm(forms.Form):
    """A form of the pages: its error messages name the field, and a
    ServiceError from the service is shown where it belongs.

    A message that a field sets itself through `error_messages` is kept.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            defaults = _default_error_messages(field)
            label = field.label or pretty_name(name)
            for code, message in _field_messages(label, field).items():
                if field.error_messages.get(code) == defaults.get(code):
                    field.error_messages[code] = message

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


def clinical_staff(program):
    """Return the program's active staff who may enter clinical records, for
    pickers such as the care team and "Evaluated by"."""
    return StaffMember.objects.filter(
        program=program, is_active=True, role__in=CLINICAL_ROLES
    ).select_related("user")


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
