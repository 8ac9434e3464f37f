"""Environment for the test run. The database, broker and email defaults
live in iop/test_settings.py, because pytest-django reads the settings before
this file is imported."""

import os

# pytest-django's live_server runs Django in a thread beside Playwright's
# event loop, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
