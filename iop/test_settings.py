"""Settings for the test suite: PostgreSQL and Redis on 127.0.0.1.

pytest-django imports the settings before any conftest.py runs, so defaults
set in a conftest come too late and the suite would fall back to SQLite. This
module sets them first; variables already in the environment win.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iop")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("EMAIL_URL", "memorymail://")

from .settings import *  # noqa: E402, F403

# Helpers and CI may run the suite at the same time on one server; a test
# database per process keeps one run from dropping another's.
# NOTE: a run that is killed leaves its test_iop_<pid> database behind.
DATABASES["default"]["TEST"] = {"NAME": f"test_iop_{os.getpid()}"}  # noqa: F405
