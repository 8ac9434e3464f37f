import datetime as dt

from deadlines.models import Deadline
from deadlines.selectors import with_state
from deadlines.services import sweep

from .factories import admit, assign, discharge, make_incident

EASTERN = dt.timezone(dt.timedelta(hours=-5))


def test_whole_chain_opens_and_meets_deadlines(member, clinician, nurse):
    admitted_at = dt.datetime(2026, 1, 12, 10, 0, tzinfo=EASTERN)
    admission = admit(member, at=admitted_at, by=clinician)
    assign(admission, clinician, at=admitted_at + dt.timedelta(hours=1), by=clinician)
    assign(admission, nurse, at=admitted_at + dt.timedelta(hours=2), by=clinician)
    left = discharge(
        admission,
        at=admitted_at + dt.timedelta(days=10),
        by=clinician,
        on_medications=True,
    )
    make_incident(member, occurred_at=admitted_at + dt.timedelta(days=2), by=clinician)

    as_of = admitted_at + dt.timedelta(days=30)
    states = dict(
        with_state(Deadline.objects.all(), as_of).values_list("rule", "state")
    )
    alerts = sweep(as_of)

    assert states == {
        "evaluation_diversion": "met",
        "admission": "met",
        "team_assignment": "met",
        "aftercare_appointment": "overdue",
        "medication_monitoring": "overdue",
        "incident_report": "overdue",
    }
    assert len(alerts) == 3
    assert left.admission.closed_at is not None
