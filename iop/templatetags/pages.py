"""Filters the pages use to show times and durations."""

import datetime as dt

from django import template

from iop.validation import format_local

register = template.Library()


@register.filter
def local_time(instant, program):
    """Format `instant` in the program's timezone, or a dash when empty."""
    if instant is None:
        return "—"
    return format_local(instant, program.tz)


def _plural(count, word):
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@register.filter
def duration(delta):
    """Write a time span for people: "3 h 20 min", "2 days 4 h", "45 min".

    Rounds down to the minute, drops the minutes once a span reaches a day,
    and ignores the sign, so callers say "left" or "overdue by" themselves.
    """
    if not isinstance(delta, dt.timedelta):
        return ""
    minutes = int(abs(delta).total_seconds()) // 60
    if minutes < 1:
        return "under 1 min"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{_plural(days, 'day')} {hours} h" if hours else _plural(days, "day")
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


@register.simple_tag
def error_summary(form):
    """List the form's errors for the summary above it, field errors in field
    order, each as a dict of `message`, `label` and `anchor`.

    `label` names the field an error belongs to, or is empty when the
    message already starts with that name or the error is not a field's.
    `anchor` is the id of the input to jump to.
    """
    items = [
        {"message": message, "label": "", "anchor": ""}
        for message in form.non_field_errors()
    ]
    for field in form:
        label = str(field.label)
        anchor = f"{field.auto_id}_0" if field.use_fieldset else field.id_for_label
        for message in field.errors:
            named = str(message).lower().startswith(label.lower())
            items.append(
                {"message": message, "label": "" if named else label, "anchor": anchor}
            )
    return items
