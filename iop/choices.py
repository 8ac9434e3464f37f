from django.db import models


class Population(models.TextChoices):
    ADULT = "adult", "Adults"
    CHILD_ADOLESCENT = "child_adolescent", "Children and adolescents"


class State(models.TextChoices):
    MASSACHUSETTS = "MA", "Massachusetts"
    RHODE_ISLAND = "RI", "Rhode Island"


class Discipline(models.TextChoices):
    PSYCHIATRY = "psychiatry", "Psychiatry"
    PSYCHOLOGY = "psychology", "Psychology"
    SOCIAL_WORK = "social_work", "Social work"
    MENTAL_HEALTH_COUNSELING = "mental_health_counseling", "Mental health counseling"
    MARRIAGE_FAMILY_THERAPY = "marriage_family_therapy", "Marriage and family therapy"
    NURSING = "nursing", "Nursing"
    OCCUPATIONAL_THERAPY = "occupational_therapy", "Occupational therapy"
    OTHER = "other", "Other"


class Role(models.TextChoices):
    CLINICIAN = "clinician", "Clinician"
    PSYCHIATRIST = "psychiatrist", "Psychiatrist"
    DIRECTOR = "director", "Program director"
    QM = "qm", "Quality management"
    ADMINISTRATOR = "administrator", "Administrator"


# Roles that may enter clinical records (referrals through discharge).
CLINICAL_ROLES = {Role.CLINICIAN, Role.PSYCHIATRIST, Role.DIRECTOR}
