"""Drive Debian's Chromium with Playwright against pytest-django's live
server.

Playwright's own browser download does not work on these machines, so the
browser comes from the `chromium` Debian package. The flags keep it from
calling Google's services, which this network does not reach.
"""

import re
from pathlib import Path

import pytest

from ..factories import ProgramFactory, StaffFactory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "test-password-1"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing; install Debian's chromium package with "
            "`make chromium` (apt-get install chromium)."
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_FLAGS,
        "headless": True,
    }


@pytest.fixture
def browser_program(transactional_db):
    return ProgramFactory(name="Browser Test IOP")


@pytest.fixture
def sign_in(page, live_server):
    """Return a function that signs `staff` in through the login page."""

    def sign_in_as(staff):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(staff.user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/members/$"))

    return sign_in_as


@pytest.fixture
def browser_clinician(browser_program):
    return StaffFactory(program=browser_program)
