"""The specification's timed clauses and how each one's due time is computed.

A rule's defaults live here in code. A program may shorten a rule's length
(never lengthen it) through RuleSetting. The length in force when a deadline
opens is stored on the deadline, so a later change does not move it.
"""

import datetime as dt
import functools
from dataclasses import dataclass

import holidays
from django.conf import settings
from django.db import models


class Clock(models.TextChoices):
    ELAPSED_HOURS = "elapsed_hours", "Elapsed hours"
    CALENDAR_DAYS = "calendar_days", "Calendar days"
    BUSINESS_DAYS = "business_days", "Business days"
    # Due at the end of the start's local day; the length bounds the date of
    # the appointment that meets the rule, not the clock.
    START_DAY = "start_day", "End of the start day"


class DueSoonFrom(models.TextChoices):
    HOURS_BEFORE = "hours_before", "Hours before the due time"
    DUE_DAY_START = "due_day_start", "Local midnight of the due day"


@dataclass(frozen=True)
class Rule:
    """One timed clause of the performance specification."""

    key: str
    title: str
    clause: str
    clock: Clock
    length: int
    starts: str
    met_by: str
    due_soon_from: DueSoonFrom

    @property
    def length_unit(self):
        if self.clock == Clock.ELAPSED_HOURS:
            return "hours"
        return "days"

    @property
    def min_length(self):
        return 1 if self.clock in (Clock.ELAPSED_HOURS, Clock.BUSINESS_DAYS) else 0


EVALUATION_DIVERSION = "evaluation_diversion"
EVALUATION_STEP_DOWN = "evaluation_step_down"
ADMISSION = "admission"
TEAM_ASSIGNMENT = "team_assignment"
INCIDENT_REPORT = "incident_report"
AFTERCARE_APPOINTMENT = "aftercare_appointment"
MEDICATION_MONITORING = "medication_monitoring"

RULES = {
    rule.key: rule
    for rule in [
        Rule(
            key=EVALUATION_DIVERSION,
            title="Evaluation within 1 day (diversion)",
            clause=(
                "The Member will be evaluated/assessed within one day of "
                "referral if the program is identified as a diversion from a "
                "higher level of care."
            ),
            clock=Clock.CALENDAR_DAYS,
            length=1,
            starts="Referral received",
            met_by="Evaluation completed",
            due_soon_from=DueSoonFrom.DUE_DAY_START,
        ),
        Rule(
            key=EVALUATION_STEP_DOWN,
            title="Evaluation within 2 days (step-down)",
            clause=(
                "The Member will be evaluated/assessed within two days of "
                "referral if the program is to serve as a step-down level of "
                "care."
            ),
            clock=Clock.CALENDAR_DAYS,
            length=2,
            starts="Referral received",
            met_by="Evaluation completed",
            due_soon_from=DueSoonFrom.DUE_DAY_START,
        ),
        Rule(
            key=ADMISSION,
            title="Admission within 24 hours of evaluation",
            clause=(
                "The Member will be admitted into the program within 24 hours "
                "of the initial evaluation."
            ),
            clock=Clock.ELAPSED_HOURS,
            length=24,
            starts="Evaluation completed with outcome admit",
            met_by="Admission",
            due_soon_from=DueSoonFrom.HOURS_BEFORE,
        ),
        Rule(
            key=TEAM_ASSIGNMENT,
            title="Care team within 24 hours of admission",
            clause=(
                "The provider will assign a multidisciplinary treatment team "
                "to each Member within 24 hours of admission; a minimum of 2, "
                "cross-disciplined, with at least 1 independently licensed."
            ),
            clock=Clock.ELAPSED_HOURS,
            length=24,
            starts="Admission",
            met_by=(
                "The team member whose arrival makes the team valid: 2 people "
                "of different disciplines, 1 independently licensed"
            ),
            due_soon_from=DueSoonFrom.HOURS_BEFORE,
        ),
        Rule(
            key=INCIDENT_REPORT,
            title="Adverse incident reported within 1 business day",
            clause=(
                "All Reportable Adverse Incidents will be reported to the "
                "health plan within 1 business day of their occurrence."
            ),
            clock=Clock.BUSINESS_DAYS,
            length=1,
            starts="Incident occurred",
            met_by="Report to the health plan",
            due_soon_from=DueSoonFrom.DUE_DAY_START,
        ),
        Rule(
            key=AFTERCARE_APPOINTMENT,
            title="Aftercare appointment within 7 days",
            clause=(
                "At least 1 initial aftercare appointment is scheduled not "
                "more than 7 days from the Member's discharge from the "
                "facility, and this is clearly documented in the Member's "
                "medical record."
            ),
            clock=Clock.START_DAY,
            length=7,
            starts="Discharge",
            met_by=(
                "Recording an aftercare appointment dated within the window, "
                "by the end of the discharge day"
            ),
            due_soon_from=DueSoonFrom.HOURS_BEFORE,
        ),
        Rule(
            key=MEDICATION_MONITORING,
            title="Medication monitoring within 14 days",
            clause=(
                "For those Members discharged on medications, at least one "
                "psychiatric medication monitoring appointment is scheduled no "
                "more than 14 days after discharge."
            ),
            clock=Clock.START_DAY,
            length=14,
            starts="Discharge of a member on medications",
            met_by=(
                "Recording a medication-monitoring appointment dated within "
                "the window, by the end of the discharge day"
            ),
            due_soon_from=DueSoonFrom.HOURS_BEFORE,
        ),
    ]
}

RULE_CHOICES = [(rule.key, rule.title) for rule in RULES.values()]


def start_of_day(day, tz):
    """Return the first instant of `day` in timezone `tz`."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


def end_of_day(day, tz):
    """Return the last instant (23:59:59.999999) of `day` in timezone `tz`."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=tz)


@functools.lru_cache(maxsize=32)
def _state_holidays(state, year):
    # The holidays package applies each state's observance: in Massachusetts
    # a Sunday holiday is observed on Monday, a Saturday one is not moved.
    return holidays.country_holidays("US", subdiv=state, years=year)


def is_business_day(day, state, closed_days=frozenset()):
    """Say whether `day` is a business day: Monday to Friday, not a legal
    holiday of `state`, and not one of the program's `closed_days`."""
    if day.weekday() >= 5:
        return False
    if day in _state_holidays(state, day.year):
        return False
    return day not in closed_days


def add_business_days(day, count, state, closed_days=frozenset()):
    """Return the date `count` business days after `day`."""
    while count > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day, state, closed_days):
            count -= 1
    return day


def compute_due_at(
    rule, started_at, *, tz, state="MA", length=None, closed_days=frozenset()
):
    """Return the instant a deadline of `rule` started at `started_at` is due.

    Elapsed-hour rules add real hours, so a daylight-saving night moves the
    wall clock but not the length. Day rules end at 23:59:59.999999 local
    time of their due day. The result is in UTC.
    """
    length = rule.length if length is None else length
    if rule.clock == Clock.ELAPSED_HOURS:
        # Python adds a timedelta to the wall clock of a zoneinfo-aware
        # datetime, so across a DST change that gives 23 or 25 real hours.
        # Adding in UTC counts elapsed hours.
        return started_at.astimezone(dt.UTC) + dt.timedelta(hours=length)

    start_day = started_at.astimezone(tz).date()
    if rule.clock == Clock.CALENDAR_DAYS:
        due_day = start_day + dt.timedelta(days=length)
    elif rule.clock == Clock.BUSINESS_DAYS:
        due_day = add_business_days(start_day, length, state, closed_days)
    else:
        due_day = start_day
    return end_of_day(due_day, tz).astimezone(dt.UTC)


def compute_due_soon_at(rule, due_at, *, tz, length=None):
    """Return the instant from which a deadline counts as due soon.

    A calendar rule that a program shortened to the same day (length 0)
    warns hours before, like the other rules due within a day of their start.
    """
    length = rule.length if length is None else length
    is_same_day = rule.clock == Clock.CALENDAR_DAYS and length == 0
    if rule.due_soon_from == DueSoonFrom.HOURS_BEFORE or is_same_day:
        hours = dt.timedelta(hours=settings.DEADLINE_DUE_SOON_HOURS)
        return due_at.astimezone(dt.UTC) - hours
    due_day = due_at.astimezone(tz).date()
    warn_day = due_day - dt.timedelta(days=settings.DEADLINE_DUE_SOON_DAYS)
    return start_of_day(warn_day, tz).astimezone(dt.UTC)
