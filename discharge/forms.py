"""Forms to record discharges and aftercare appointments."""

from django import forms

from iop.forms import PageForm, ProgramDateTimeField, ProgramForm

from .choices import AppointmentKind, Disposition


def _yes_means_true(value):
    return value == "yes"


class DischargeForm(ProgramForm):
    discharged_at = ProgramDateTimeField(label="Discharged")
    disposition = forms.ChoiceField(
        choices=[("", "Choose…"), *Disposition.choices],
        help_text="A death or a transfer to a higher level of care cancels the "
        "aftercare deadlines.",
    )
    on_medications = forms.TypedChoiceField(
        label="Leaves on psychiatric medications",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=_yes_means_true,
        widget=forms.RadioSelect,
        help_text="Yes opens the medication-monitoring deadline (appointment "
        "within 14 days).",
    )


class AppointmentForm(PageForm):
    kind = forms.ChoiceField(choices=AppointmentKind.choices, widget=forms.RadioSelect)
    scheduled_on = forms.DateField(
        label="Appointment date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the appointment date, such as 2026-03-16."},
    )
    scheduled_time = forms.TimeField(
        label="Appointment time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="Optional.",
        error_messages={"invalid": "Enter the appointment time, such as 14:30."},
    )
    provider = forms.CharField(
        max_length=200, help_text="Who the member will see, and where."
    )
