from django.db import models


class ReferralSource(models.TextChoices):
    EMERGENCY_SERVICES = "emergency_services", "Emergency Services Program (ESP)"
    INPATIENT = "inpatient", "Inpatient unit"
    PARTIAL_HOSPITALIZATION = "partial_hospitalization", "Partial hospitalization"
    OUTPATIENT = "outpatient", "Outpatient provider"
    PCP = "pcp", "Primary care clinician"
    SELF = "self", "Self"
    FAMILY = "family", "Family or guardian"
    SCHOOL = "school", "School"
    OTHER = "other", "Other"


class ReferralKind(models.TextChoices):
    DIVERSION = "diversion", "Diversion (evaluate within 1 day)"
    STEP_DOWN = "step_down", "Step-down (evaluate within 2 days)"


class PlanProduct(models.TextChoices):
    HMO = "hmo", "HMO"
    POS = "pos", "POS"
    PPO = "ppo", "PPO"
    FREEDOM = "freedom", "Tufts Health Freedom Plan"
    CARELINK = "carelink", "CareLink"
    RHODE_ISLAND = "rhode_island", "Rhode Island product"


class EvaluationOutcome(models.TextChoices):
    ADMIT = "admit", "Admit"
    NOT_ADMITTED = "not_admitted", "Not admitted"
    REFERRED_ELSEWHERE = "referred_elsewhere", "Referred elsewhere"
