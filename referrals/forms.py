"""Forms to record referrals, evaluations and admissions."""

from django import forms

from iop.forms import ProgramDateTimeField, ProgramForm, clinical_staff
from iop.models import StaffMember

from .choices import EvaluationOutcome, PlanProduct, ReferralKind, ReferralSource


class ReferralForm(ProgramForm):
    source = forms.ChoiceField(choices=[("", "Choose…"), *ReferralSource.choices])
    kind = forms.ChoiceField(
        label="Kind",
        choices=ReferralKind.choices,
        widget=forms.RadioSelect,
        help_text="A diversion keeps the member out of an inpatient unit; a "
        "step-down follows a stay at a higher level of care.",
    )
    plan_product = forms.ChoiceField(
        label="Health plan product", choices=[("", "Choose…"), *PlanProduct.choices]
    )
    received_at = ProgramDateTimeField(label="Received")


class EvaluationForm(ProgramForm):
    completed_at = ProgramDateTimeField(label="Completed")
    evaluated_by = forms.ModelChoiceField(
        label="Evaluated by", queryset=StaffMember.objects.none()
    )
    outcome = forms.ChoiceField(
        choices=EvaluationOutcome.choices,
        widget=forms.RadioSelect,
        help_text="Any outcome but admit cancels the admission deadline.",
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, program=program, **kwargs)
        self.fields["evaluated_by"].queryset = clinical_staff(program)


class AdmissionForm(ProgramForm):
    admitted_at = ProgramDateTimeField(label="Admitted")
