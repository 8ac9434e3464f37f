import datetime as dt
import zoneinfo

import pytest

from deadlines.services import sweep
from iop.models import AuditEntry
from referrals.services import withdraw_referral

from ..api_helpers import NOW, client_for, error_codes, row_counts
from ..factories import (
    MemberFactory,
    ProgramFactory,
    StaffFactory,
    make_evaluation,
    make_referral,
)

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def fixed_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def api(clinician):
    return client_for(clinician)


def local(day, hour):
    return dt.datetime(2026, 3, day, hour, tzinfo=NEW_YORK)


@pytest.fixture
def deadlines(member, clinician):
    """Open one evaluation deadline per state as of NOW (Tuesday 10 March
    2026, 11:00 in New York) and return their referrals by state.

    Every referral but the step-down one belongs to `member`.
    """
    overdue = make_referral(member, received_at=local(6, 10), by=clinician)
    due_soon = make_referral(member, received_at=local(9, 10), by=clinician)
    step_down = make_referral(
        MemberFactory(program=clinician.program),
        received_at=local(10, 9),
        kind="step_down",
        by=clinician,
    )
    met = make_referral(member, received_at=local(10, 8), by=clinician)
    make_evaluation(
        met, completed_at=local(10, 9), by=clinician, outcome="not_admitted"
    )
    met_late = make_referral(member, received_at=local(5, 10), by=clinician)
    make_evaluation(
        met_late, completed_at=local(9, 9), by=clinician, outcome="not_admitted"
    )
    cancelled = make_referral(member, received_at=local(10, 7), by=clinician)
    withdraw_referral(cancelled, reason="Duplicate entry", by=clinician.user, as_of=NOW)
    return {
        "overdue": overdue,
        "due_soon": due_soon,
        "open": step_down,
        "met": met,
        "met_late": met_late,
        "cancelled": cancelled,
    }


def subject_ids(response):
    return sorted(row["subject_id"] for row in response.json()["results"])


def evaluation_rows(response):
    return [
        row
        for row in response.json()["results"]
        if row["rule"].startswith("evaluation_")
    ]


def test_deadline_row_fields(api, deadlines, member):
    referral = deadlines["overdue"]

    response = api.get("/api/deadlines/", {"member": member.pk, "state": "overdue"})

    assert response.json()["results"] == [
        {
            "id": response.json()["results"][0]["id"],
            "rule": "evaluation_diversion",
            "rule_title": "Evaluation within 1 day (diversion)",
            "member": member.pk,
            "subject_type": "referrals.referral",
            "subject_id": referral.pk,
            "started_at": "2026-03-06T15:00:00Z",
            "due_soon_at": "2026-03-07T05:00:00Z",
            "due_at": "2026-03-08T04:59:59.999999Z",
            "met_at": None,
            "cancelled_at": None,
            "cancel_reason": "",
            "state": "overdue",
        }
    ]


@pytest.mark.parametrize(
    "state", ["overdue", "due_soon", "open", "met", "met_late", "cancelled"]
)
def test_state_filter_keeps_that_state(api, deadlines, state):
    response = api.get("/api/deadlines/", {"state": state})

    rows = evaluation_rows(response)
    assert [row["subject_id"] for row in rows] == [deadlines[state].pk]
    assert rows[0]["state"] == state


def test_member_filter(api, deadlines):
    step_down = deadlines["open"]

    response = api.get("/api/deadlines/", {"member": step_down.member_id})

    assert subject_ids(response) == [step_down.pk]


def test_rule_filter_keeps_that_rule(api, deadlines):
    response = api.get("/api/deadlines/", {"rule": "evaluation_step_down"})

    assert subject_ids(response) == [deadlines["open"].pk]


def test_as_of_moves_states(api, deadlines):
    response = api.get(
        "/api/deadlines/",
        {"as_of": "2026-03-13T12:00:00-05:00", "rule": "evaluation_step_down"},
    )

    assert response.json()["results"][0]["state"] == "overdue"


def test_past_as_of_ignores_later_meeting(api, deadlines):
    met_late = deadlines["met_late"]

    response = api.get(
        "/api/deadlines/",
        {"as_of": "2026-03-08T12:00:00-04:00", "member": met_late.member_id},
    )

    states = {row["subject_id"]: row["state"] for row in response.json()["results"]}
    assert states[met_late.pk] == "overdue"


def test_past_as_of_leaves_out_later_deadlines(api, deadlines):
    response = api.get("/api/deadlines/", {"as_of": "2026-03-05T12:00:00-05:00"})

    subjects = [row["subject_id"] for row in response.json()["results"]]
    assert subjects == [deadlines["met_late"].pk]


def test_as_of_without_offset_is_rejected(api, deadlines):
    response = api.get("/api/deadlines/", {"as_of": "2026-03-13T12:00:00"})

    assert response.status_code == 400
    assert "as_of" in response.json()


def test_impossible_as_of_is_rejected(api):
    response = api.get("/api/deadlines/", {"as_of": "2026-02-30T00:00:00Z"})

    assert response.status_code == 400
    assert error_codes(response, "as_of") == ["invalid"]
    assert response.json()["as_of"][0].startswith("as_of is not a valid ISO-8601 time")


@pytest.mark.parametrize(
    "as_of",
    ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "1999-12-31T23:00Z"],
)
def test_as_of_outside_years_is_rejected(api, as_of):
    response = api.get("/api/deadlines/", {"as_of": as_of})

    assert response.status_code == 400
    assert error_codes(response, "as_of") == ["out_of_range"]
    assert response.json()["as_of"] == [
        "as_of must fall in the years 2000 to 2100; check the year."
    ]


def test_unknown_state_is_rejected(api, deadlines):
    response = api.get("/api/deadlines/", {"state": "late"})

    assert response.status_code == 400
    assert list(response.json()) == ["state", "codes"]
    assert response.json()["codes"]["state"] == ["invalid_choice"]
    assert response.json()["state"] == [
        "state must be one of: open, due_soon, overdue, met, met_late, cancelled."
    ]


def test_unknown_rule_is_rejected(api, deadlines):
    response = api.get("/api/deadlines/", {"rule": "progress_note"})

    assert response.status_code == 400
    assert list(response.json()) == ["rule", "codes"]
    assert response.json()["codes"]["rule"] == ["invalid_choice"]


def test_deadline_list_query_count(api, deadlines, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = api.get("/api/deadlines/")

    assert response.json()["count"] == 8


def test_deadline_retrieve_is_audited(api, deadlines, member, clinician):
    listing = api.get("/api/deadlines/", {"state": "overdue"})
    deadline_id = listing.json()["results"][0]["id"]

    response = api.get(f"/api/deadlines/{deadline_id}/")

    assert response.json()["state"] == "overdue"
    entry = AuditEntry.objects.get(action="deadline.viewed")
    assert entry.member == member
    assert entry.actor == clinician.user


def test_other_programs_deadlines_are_invisible(api, deadlines):
    outsider = StaffFactory(program=ProgramFactory())
    hidden = make_referral(
        MemberFactory(program=outsider.program), received_at=local(10, 9), by=outsider
    )
    hidden_deadline = hidden.member.deadlines.get()

    listing = api.get("/api/deadlines/", {"member": hidden.member_id})
    detail = api.get(f"/api/deadlines/{hidden_deadline.pk}/")

    assert listing.json()["results"] == []
    assert detail.status_code == 404


def test_deadlines_are_read_only(api, deadlines):
    deadline_id = api.get("/api/deadlines/").json()["results"][0]["id"]
    before = row_counts()

    responses = [
        api.put(f"/api/deadlines/{deadline_id}/", {}, format="json"),
        api.patch(f"/api/deadlines/{deadline_id}/", {}, format="json"),
        api.delete(f"/api/deadlines/{deadline_id}/"),
    ]

    assert [response.status_code for response in responses] == [405, 405, 405]
    assert row_counts() == before


# Alerts


def test_alerts_list_sweep_results(api, deadlines, member):
    sweep(NOW)

    response = api.get("/api/alerts/", {"member": member.pk})

    rows = sorted(response.json()["results"], key=lambda row: row["kind"])
    assert [(row["kind"], row["rule"]) for row in rows] == [
        ("due_soon", "evaluation_diversion"),
        ("overdue", "evaluation_diversion"),
    ]
    assert rows[0]["member"] == member.pk
    assert rows[0]["raised_at"] == "2026-03-10T15:00:00Z"


def test_alert_kind_filter(api, deadlines):
    sweep(NOW)

    response = api.get("/api/alerts/", {"kind": "overdue"})

    assert [row["kind"] for row in response.json()["results"]] == ["overdue"]


def test_other_programs_alerts_are_invisible(api, deadlines):
    outsider = StaffFactory(program=ProgramFactory())
    make_referral(
        MemberFactory(program=outsider.program), received_at=local(6, 10), by=outsider
    )
    sweep(NOW)

    response = api.get("/api/alerts/", {"kind": "overdue"})

    assert response.json()["count"] == 1


def test_alert_retrieve_is_audited(api, deadlines, member):
    alert = sweep(NOW)[0]

    response = api.get(f"/api/alerts/{alert.pk}/")

    assert response.status_code == 200
    assert AuditEntry.objects.get(action="alert.viewed").member == member


def test_alert_list_query_count(api, member, clinician, django_assert_max_num_queries):
    for day in range(1, 7):
        make_referral(member, received_at=local(day, 10), by=clinician)
    sweep(NOW)

    with django_assert_max_num_queries(6):
        response = api.get("/api/alerts/")

    assert response.json()["count"] == 6
