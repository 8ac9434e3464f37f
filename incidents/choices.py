from django.db import models


class IncidentKind(models.TextChoices):
    DEATH = "death", "Death"
    SUICIDE_ATTEMPT = "suicide_attempt", "Suicide attempt"
    SELF_HARM = "self_harm", "Self-harm"
    ASSAULT = "assault", "Assault"
    RESTRAINT = "restraint", "Restraint or seclusion"
    ELOPEMENT = "elopement", "Elopement"
    MEDICATION_ERROR = "medication_error", "Medication error"
    INJURY = "injury", "Injury requiring medical care"
    OTHER = "other", "Other"
