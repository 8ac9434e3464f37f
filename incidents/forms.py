"""Forms to record adverse incidents and their reports to the plan."""

from django import forms

from iop.forms import ProgramDateTimeField, ProgramForm

from .choices import IncidentKind


class IncidentForm(ProgramForm):
    kind = forms.ChoiceField(choices=[("", "Choose…"), *IncidentKind.choices])
    occurred_at = ProgramDateTimeField(
        label="Occurred", help_text="The reporting clock starts here."
    )
    discovered_at = ProgramDateTimeField(label="Discovered")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Optional. What happened and what was done.",
    )
    reported_to_plan_at = ProgramDateTimeField(
        label="Reported to the health plan",
        required=False,
        help_text="Leave empty if not reported yet; record the report later.",
    )


class ReportToPlanForm(ProgramForm):
    reported_to_plan_at = ProgramDateTimeField(label="Reported to the health plan")
