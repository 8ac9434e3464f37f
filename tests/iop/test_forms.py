import datetime as dt
import zoneinfo

import pytest
from django import forms

from iop.forms import PageForm, ProgramDateTimeField, ProgramForm
from iop.templatetags.pages import duration

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


class Program:
    """Only what ProgramForm reads from a program."""

    def __init__(self, timezone):
        self.timezone = timezone
        self.tz = zoneinfo.ZoneInfo(timezone)


class SampleForm(ProgramForm):
    happened_at = ProgramDateTimeField()
    note = forms.CharField(required=False)


def clean_time(value, timezone="America/New_York"):
    form = SampleForm({"happened_at": value}, program=Program(timezone))
    form.is_valid()
    return form


def test_datetime_local_is_read_in_program_timezone():
    form = clean_time("2026-07-01T09:30")

    assert form.cleaned_data["happened_at"] == dt.datetime(
        2026, 7, 1, 13, 30, tzinfo=dt.UTC
    )


def test_datetime_local_is_read_in_los_angeles():
    form = clean_time("2026-07-01T09:30", "America/Los_Angeles")

    assert form.cleaned_data["happened_at"] == dt.datetime(
        2026, 7, 1, 16, 30, tzinfo=dt.UTC
    )


def test_time_skipped_by_spring_forward_is_rejected():
    form = clean_time("2026-03-08T02:30")

    assert form.has_error("happened_at", "nonexistent")
    assert "clocks go forward" in form.errors["happened_at"][0]


def test_fall_back_time_is_first_occurrence():
    form = clean_time("2026-11-01T01:30")

    # 01:30 EDT, before the clocks go back, is 05:30 UTC.
    assert form.cleaned_data["happened_at"] == dt.datetime(
        2026, 11, 1, 5, 30, tzinfo=dt.UTC
    )


def test_garbled_datetime_is_invalid():
    form = clean_time("yesterday")

    assert form.has_error("happened_at", "invalid")


def test_missing_datetime_message_names_the_field():
    form = clean_time("")

    assert form.errors["happened_at"] == ["Happened at is missing; enter it."]


def test_initial_value_is_now_in_program_time():
    form = SampleForm(program=Program("America/New_York"))
    field = form.fields["happened_at"]

    local_value = field.prepare_value(
        dt.datetime(2026, 1, 5, 15, 42, 10, tzinfo=dt.UTC)
    )

    assert local_value == dt.datetime(2026, 1, 5, 10, 42)
    assert field.initial is not None
    assert "America/New_York" in field.help_text


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (dt.timedelta(seconds=30), "under 1 min"),
        (dt.timedelta(minutes=45), "45 min"),
        (dt.timedelta(hours=3, minutes=20, seconds=59), "3 h 20 min"),
        (dt.timedelta(hours=3), "3 h"),
        (dt.timedelta(days=1, minutes=5), "1 day"),
        (dt.timedelta(days=2, hours=4, minutes=30), "2 days 4 h"),
        (-dt.timedelta(hours=1, minutes=5), "1 h 5 min"),
    ],
)
def test_duration_reads_as_words(delta, words):
    assert duration(delta) == words


class ChoiceSampleForm(PageForm):
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")])
    code = forms.CharField(max_length=5, required=False)
    custom = forms.CharField(
        max_length=5,
        required=False,
        error_messages={"max_length": "Custom is capped at 5."},
    )


def test_unknown_choice_message_names_field():
    form = ChoiceSampleForm({"kind": "z"})

    assert form.has_error("kind", "invalid_choice")
    assert form.errors["kind"] == [
        "Kind is not one of the listed options; choose one of them."
    ]


def test_too_long_message_gives_limit():
    form = ChoiceSampleForm({"kind": "a", "code": "abcdefg"})

    assert form.has_error("code", "max_length")
    assert form.errors["code"] == [
        "Code is too long (7 characters); shorten it to 5 or fewer."
    ]


def test_field_own_error_message_is_kept():
    form = ChoiceSampleForm({"kind": "a", "custom": "abcdefg"})

    assert form.errors["custom"] == ["Custom is capped at 5."]
