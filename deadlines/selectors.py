"""Queries on deadlines shared by the API, the dashboard and the sweep."""

from django.db.models import Case, CharField, Count, F, Q, Value, When

from .models import OPEN_CONDITION, Deadline, State


def state_conditions(as_of, *, historical=False):
    """Return one Q per state; at any `as_of` exactly one matches each row.

    By default a deadline's meeting and cancellation count whenever they were
    recorded, which is right for the present and uses the partial indexes.
    With `historical`, a met or cancelled time later than `as_of` is ignored,
    giving the state the deadline had at `as_of`. Callers then also leave out
    deadlines started after `as_of`.
    """
    if historical:
        is_met = Q(met_at__lte=as_of)
        is_cancelled = Q(cancelled_at__lte=as_of)
        is_open = (Q(met_at__isnull=True) | Q(met_at__gt=as_of)) & (
            Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=as_of)
        )
    else:
        is_met = Q(cancelled_at__isnull=True, met_at__isnull=False)
        is_cancelled = Q(cancelled_at__isnull=False)
        is_open = OPEN_CONDITION
    return {
        State.CANCELLED: is_cancelled,
        State.MET: is_met & Q(met_at__lte=F("due_at")),
        State.MET_LATE: is_met & Q(met_at__gt=F("due_at")),
        State.OVERDUE: is_open & Q(due_at__lt=as_of),
        State.DUE_SOON: is_open & Q(due_soon_at__lte=as_of, due_at__gte=as_of),
        State.OPEN: is_open & Q(due_soon_at__gt=as_of),
    }


def with_state(queryset, as_of, *, historical=False):
    """Annotate each deadline with its `state` as of `as_of`."""
    conditions = state_conditions(as_of, historical=historical)
    return queryset.annotate(
        state=Case(
            *[
                When(condition, then=Value(state))
                for state, condition in conditions.items()
            ],
            output_field=CharField(),
        )
    )


def filter_state(queryset, state, as_of, *, historical=False):
    """Keep the deadlines in `state` as of `as_of`; uses the partial indexes
    unless `historical`."""
    return queryset.filter(state_conditions(as_of, historical=historical)[State(state)])


def attention_deadlines(program, as_of):
    """Return the program's overdue and due-soon deadlines, soonest due first."""
    queryset = Deadline.objects.filter(program=program).filter(
        state_conditions(as_of)[State.OVERDUE] | state_conditions(as_of)[State.DUE_SOON]
    )
    return with_state(queryset.select_related("member"), as_of).order_by("due_at", "id")


def counts_by_rule(program, as_of):
    """Count the program's deadlines per rule and state as of `as_of`."""
    rows = (
        with_state(Deadline.objects.filter(program=program), as_of)
        .values("rule", "state")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts = {}
    for row in rows:
        counts.setdefault(row["rule"], {})[row["state"]] = row["count"]
    return counts
