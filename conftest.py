"""Point the test run at PostgreSQL and Redis unless the environment says
otherwise. Loaded before Django's settings are read."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iop")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("EMAIL_URL", "memorymail://")
# pytest-django's live_server runs Django in a thread beside Playwright's
# event loop, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
