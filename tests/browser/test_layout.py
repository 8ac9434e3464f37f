"""Pages keep to the screen's width with long names, on a desktop and a
phone: long words wrap, and wide tables scroll inside their own box."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from iop.choices import Discipline

from ..factories import MemberFactory, StaffFactory, admit, assign, discharge

pytestmark = pytest.mark.browser

# A name with no break opportunity, as the tester entered it.
LONG_NAME = "Longname" + "x" * 92

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Set IOP_SCREENSHOT_DIR to keep a full-page screenshot of each checked page.
SCREENSHOT_DIR = os.environ.get("IOP_SCREENSHOT_DIR")


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def save_screenshot(page, name):
    if SCREENSHOT_DIR:
        page.screenshot(path=Path(SCREENSHOT_DIR) / f"{name}.png", full_page=True)


def save_element_screenshot(locator, name):
    if SCREENSHOT_DIR:
        locator.screenshot(path=Path(SCREENSHOT_DIR) / f"{name}.png")


@pytest.fixture
def long_named_member(browser_clinician):
    """A discharged member with a 100-character last name and a care team."""
    program = browser_clinician.program
    nurse = StaffFactory(
        program=program,
        discipline=Discipline.NURSING,
        credentials="RN",
        is_independently_licensed=False,
    )
    member = MemberFactory(program=program, last_name=LONG_NAME)
    now = timezone.now()
    admission = admit(member, at=now - dt.timedelta(days=6), by=browser_clinician)
    assign(
        admission,
        browser_clinician,
        at=now - dt.timedelta(days=6, hours=-1),
        by=browser_clinician,
    )
    assign(admission, nurse, at=now - dt.timedelta(days=6, hours=-2), by=nurse)
    discharge(admission, at=now - dt.timedelta(days=1), by=browser_clinician)
    return member


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_member_page_fits_the_screen(
    page, live_server, sign_in, browser_clinician, long_named_member, viewport
):
    page.set_viewport_size(viewport)
    sign_in(browser_clinician)

    page.goto(f"{live_server.url}/members/{long_named_member.pk}/")
    save_screenshot(page, f"member-page-{viewport['width']}")

    assert page_width(page) <= viewport["width"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_member_list_fits_the_screen(
    page, live_server, sign_in, browser_clinician, long_named_member, viewport
):
    page.set_viewport_size(viewport)
    sign_in(browser_clinician)

    page.goto(f"{live_server.url}/members/")
    save_screenshot(page, f"member-list-{viewport['width']}")

    assert page_width(page) <= viewport["width"]


def test_care_team_table_scrolls_on_phone(
    page, live_server, sign_in, browser_clinician, long_named_member
):
    page.set_viewport_size(PHONE)
    sign_in(browser_clinician)

    page.goto(f"{live_server.url}/members/{long_named_member.pk}/")
    card = page.locator('li.stage[data-stage="admission"]')
    save_element_screenshot(card, "care-team-390")
    scroll_box = card.locator(".table-scroll")
    card_box = card.bounding_box()
    scroll_box_box = scroll_box.bounding_box()

    assert scroll_box.count() == 1
    assert scroll_box_box["x"] + scroll_box_box["width"] <= (
        card_box["x"] + card_box["width"]
    )
    assert card_box["x"] + card_box["width"] <= PHONE["width"]
