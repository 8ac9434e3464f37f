import datetime as dt
import zoneinfo

import pytest

from deadlines import rules
from deadlines.services import deadline_for
from tests.factories import make_referral

# A diversion referral received Monday 12 January 2026 at 10:00 in New York is
# due at the end of Tuesday and due soon from Tuesday 00:00.
RECEIVED_AT = dt.datetime(2026, 1, 12, 10, tzinfo=zoneinfo.ZoneInfo("America/New_York"))


@pytest.fixture
def open_deadlines(member, clinician):
    """Return a function that opens `count` diversion evaluation deadlines,
    each for its own referral received Monday 12 January 2026 at 10:00 (a
    second apart, since an identical referral is rejected as a duplicate)."""

    def open_count(count):
        deadlines = []
        for index in range(count):
            received_at = RECEIVED_AT + dt.timedelta(seconds=index)
            referral = make_referral(member, received_at=received_at, by=clinician)
            deadlines.append(deadline_for(rules.EVALUATION_DIVERSION, referral))
        return deadlines

    return open_count
