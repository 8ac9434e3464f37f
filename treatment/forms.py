"""Forms to put staff on a care team and take them off it."""

from django import forms

from iop.forms import ProgramDateTimeField, ProgramForm, clinical_staff
from iop.models import StaffMember


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, staff):
        return f"{staff} ({staff.get_discipline_display()})"


class TeamAssignmentForm(ProgramForm):
    staff = StaffChoiceField(label="Staff member", queryset=StaffMember.objects.none())
    team_role = forms.CharField(
        label="Role on the team",
        max_length=60,
        required=False,
        help_text="Optional, for example primary clinician.",
    )
    assigned_at = ProgramDateTimeField(label="Assigned")

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, program=program, **kwargs)
        self.fields["staff"].queryset = clinical_staff(program)


class EndAssignmentForm(ProgramForm):
    ended_at = ProgramDateTimeField(label="Left the team")
    reason = forms.CharField(
        max_length=200,
        help_text="For example: moved to another program.",
    )
