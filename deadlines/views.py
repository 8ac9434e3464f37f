"""The program director's dashboard."""

from django.shortcuts import render
from django.utils import timezone

from iop.selectors import census
from iop.views import staff_required

from .models import Deadline, State
from .rules import RULES
from .selectors import counts_by_rule, filter_state

# Each list stops here so that a program with a backlog still gets its page
# quickly. The page shows a note when rows were left off.
LIST_LIMIT = 200

COUNT_COLUMNS = [
    State.MET,
    State.MET_LATE,
    State.OVERDUE,
    State.DUE_SOON,
    State.OPEN,
    State.CANCELLED,
]


@staff_required
def dashboard(request):
    """Show what is overdue and due soon, the counts per rule, and the census."""
    program = request.staff.program
    as_of = timezone.now()
    overdue, more_overdue = _deadlines_in(program, State.OVERDUE, as_of)
    due_soon, more_due_soon = _deadlines_in(program, State.DUE_SOON, as_of)
    return render(
        request,
        "deadlines/dashboard.html",
        {
            "as_of": as_of,
            "overdue": overdue,
            "more_overdue": more_overdue,
            "due_soon": due_soon,
            "more_due_soon": more_due_soon,
            "count_columns": [(state, state.label) for state in COUNT_COLUMNS],
            "count_rows": _count_rows(counts_by_rule(program, as_of)),
            "census": census(program),
            "list_limit": LIST_LIMIT,
        },
    )


def _deadlines_in(program, state, as_of):
    """Return up to LIST_LIMIT deadlines in `state`, soonest due first, and
    whether more were left off."""
    deadlines = filter_state(Deadline.objects.filter(program=program), state, as_of)
    rows = list(
        deadlines.select_related("member").order_by("due_at", "id")[: LIST_LIMIT + 1]
    )
    for deadline in rows:
        deadline.state = state
        deadline.time_to_due = deadline.due_at - as_of
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


def _count_rows(counts):
    """Build one row per rule with its counts per state and on-time rate.

    The on-time rate is the share met on time among the deadlines that are
    met, met late or overdue. Open, due soon and cancelled deadlines are
    left out.
    """
    rows = []
    for key, rule in RULES.items():
        by_state = counts.get(key, {})
        cells = [by_state.get(state, 0) for state in COUNT_COLUMNS]
        met = by_state.get(State.MET, 0)
        decided = met + by_state.get(State.MET_LATE, 0) + by_state.get(State.OVERDUE, 0)
        rows.append(
            {
                "title": rule.title,
                "cells": cells,
                "on_time_percent": round(100 * met / decided) if decided else None,
            }
        )
    return rows
