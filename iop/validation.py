"""Checks on clinical times shared by every app's services."""

import datetime as dt

from .errors import ServiceError

# A form typed to the minute can be a few seconds ahead of the server's clock.
FUTURE_TOLERANCE = dt.timedelta(minutes=1)


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
    """Reject a clinical time that lies in the future of `as_of`."""
    require_aware(field, value, label)
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
