"""The demo program as a new user meets it: the demo director's dashboard."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from iop import demo

pytestmark = pytest.mark.browser


def test_demo_director_finds_overdue_deadline(page, live_server, transactional_db):
    # pytest-django runs with DEBUG off, where the loader requires this flag.
    call_command("load_demo_data", allow_production=True, verbosity=0)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("director")
    page.get_by_label("Password").fill(demo.PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Dashboard").click()

    overdue = page.locator("section", has=page.locator("#overdue-title"))
    first_row = overdue.locator("tbody tr").first
    expect(first_row).to_contain_text(re.compile(r"Overdue by \d+"))
    first_row.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/members/\d+/$"))
    expect(page.locator("li.deadline .badge", has_text="Overdue").first).to_be_visible()
