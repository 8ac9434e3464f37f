"""Checks on clinical times shared by every app's services."""

import datetime as dt

from .errors import ServiceError

# A form typed to the minute can be a few seconds ahead of the server's clock.
FUTURE_TOLERANCE = dt.timedelta(minutes=1)
# Stays last weeks, so a clinical time years back is a typing error (a wrong
# year), not a late entry.
MAX_PAST = dt.timedelta(days=5 * 366)


def format_local(instant, tz):
    """Format `instant` in `tz` the way pages and messages show it."""
    local = instant.astimezone(tz)
    return f"{local:%-d %B %Y %H:%M} {local.tzname()}"


def require_aware(field, value, label):
    """Reject a missing or naive datetime for `field`."""
    if value is None:
        raise ServiceError(field, "required", f"{label} is missing; enter it.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ServiceError(
            field,
            "naive_datetime",
            f"{label} has no timezone; send it with an offset, such as "
            "2026-03-09T14:00:00-04:00.",
        )


def require_not_future(field, value, as_of, label, tz):
    """Reject a clinical time that lies in the future of `as_of`, or more
    than five years before it."""
    require_aware(field, value, label)
    try:
        is_too_old = value.astimezone(dt.UTC) < as_of - MAX_PAST
    except OverflowError:
        is_too_old = True
    if is_too_old:
        raise ServiceError(
            field,
            "too_far_in_past",
            f"{label} ({value.date().isoformat()}) is more than five years ago; "
            "check the year and enter the time it happened.",
        )
    if value > as_of + FUTURE_TOLERANCE:
        raise ServiceError(
            field,
            "in_future",
            f"{label} ({format_local(value, tz)}) is in the future; enter the "
            f"time it happened, no later than now ({format_local(as_of, tz)}).",
        )


def require_not_before(field, value, earlier, label, earlier_label, tz, *, code):
    """Reject `value` when it comes before `earlier`, with error `code`."""
    if value < earlier:
        raise ServiceError(
            field,
            code,
            f"{label} ({format_local(value, tz)}) is before the {earlier_label} "
            f"({format_local(earlier, tz)}); enter that time or a later one.",
        )


def require_reason(reason):
    """Reject a withdrawal or cancellation without a reason."""
    if not (reason or "").strip():
        raise ServiceError(
            "reason", "required", "Reason is missing; say why the record is withdrawn."
        )
    return reason.strip()
