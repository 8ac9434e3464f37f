from django.db import models


class Disposition(models.TextChoices):
    PLANNED = "planned", "Planned discharge"
    AGAINST_ADVICE = "against_advice", "Left against clinical advice"
    NON_ATTENDANCE = "non_attendance", "Stopped attending"
    HIGHER_LEVEL_OF_CARE = "higher_level_of_care", "Transfer to a higher level of care"
    DEATH = "death", "Death"
    OTHER = "other", "Other"


# Dispositions after which no outpatient aftercare can be arranged.
NO_AFTERCARE_DISPOSITIONS = {Disposition.HIGHER_LEVEL_OF_CARE, Disposition.DEATH}


class AppointmentKind(models.TextChoices):
    AFTERCARE = "aftercare", "Aftercare appointment"
    MEDICATION_MONITORING = "medication_monitoring", "Medication monitoring"
