import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from iop.choices import Discipline, Role

from ..factories import MemberFactory, StaffFactory, make_referral

pytestmark = pytest.mark.browser


def deadline_item(page, rule):
    return page.locator(f'li.deadline[data-rule="{rule}"]')


def test_clinician_records_referral_then_evaluation(
    page, live_server, sign_in, browser_clinician
):
    member = MemberFactory(program=browser_clinician.program, last_name="Sampleton")
    sign_in(browser_clinician)

    page.goto(f"{live_server.url}/members/{member.pk}/")
    page.get_by_role("link", name="Record referral").click()
    page.get_by_label("Source").select_option("emergency_services")
    page.get_by_label("Diversion (evaluate within 1 day)").check()
    page.get_by_label("Health plan product").select_option("hmo")
    page.get_by_role("button", name="Record referral").click()

    evaluation_deadline = deadline_item(page, "evaluation_diversion")
    expect(evaluation_deadline.locator(".badge")).to_have_text("Open")
    expect(evaluation_deadline).to_contain_text("Evaluation within 1 day")

    page.get_by_role("link", name="Record evaluation").click()
    page.get_by_label("Admit", exact=True).check()
    page.get_by_role("button", name="Record evaluation").click()

    expect(evaluation_deadline.locator(".badge")).to_have_text("Met")
    expect(evaluation_deadline).to_contain_text("met ")
    admission_deadline = deadline_item(page, "admission")
    expect(admission_deadline.locator(".badge")).to_have_text("Open")
    expect(page.get_by_role("link", name="Admit", exact=True)).to_be_visible()


def test_missing_field_is_marked_and_the_rest_kept(
    page, live_server, sign_in, browser_clinician
):
    member = MemberFactory(program=browser_clinician.program)
    sign_in(browser_clinician)

    page.goto(f"{live_server.url}/members/{member.pk}/referrals/new/")
    page.get_by_label("Source").select_option("inpatient")
    page.get_by_label("Received").fill("2026-01-05T09:15")
    page.get_by_role("button", name="Record referral").click()

    kind_error = page.locator("#id_kind_error")
    expect(kind_error).to_have_text(re.compile("Kind is missing; choose it."))
    expect(page.get_by_label("Diversion (evaluate within 1 day)")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.get_by_label("Health plan product")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.get_by_label("Source")).to_have_value("inpatient")
    expect(page.get_by_label("Received")).to_have_value("2026-01-05T09:15")
    expect(page.get_by_label("Source")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("There are 2 problems")


def test_director_finds_overdue_deadline_on_dashboard(
    page, live_server, sign_in, browser_clinician
):
    director = StaffFactory(
        program=browser_clinician.program,
        role=Role.DIRECTOR,
        discipline=Discipline.MENTAL_HEALTH_COUNSELING,
        credentials="LMHC",
    )
    member = MemberFactory(program=browser_clinician.program, last_name="Overdueson")
    make_referral(
        member,
        received_at=timezone.now() - dt.timedelta(days=4),
        by=browser_clinician,
    )
    sign_in(director)

    page.get_by_role("link", name="Dashboard").click()

    overdue = page.locator("section", has=page.locator("#overdue-title"))
    row = overdue.get_by_role("row", name=re.compile("Overdueson"))
    expect(row).to_contain_text("Evaluation within 1 day (diversion)")
    expect(row).to_contain_text(re.compile(r"Overdue by \d+ days?"))
    row.get_by_role("link", name=re.compile("Overdueson")).click()
    expect(page).to_have_url(re.compile(rf"/members/{member.pk}/$"))
    expect(deadline_item(page, "evaluation_diversion").locator(".badge")).to_have_text(
        "Overdue"
    )
