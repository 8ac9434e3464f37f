"""The health check used by compose and load balancers."""

import logging

from django.db import connection
from django.http import JsonResponse

from .celery import app as celery_app

logger = logging.getLogger(__name__)


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def health(request):
    """Return 200 when the database and the broker respond, else 503."""
    checks = {}
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        try:
            check()
        except Exception as error:
            logger.warning("health check failed part=%s error=%s", name, error)
            checks[name] = "failed"
        else:
            checks[name] = "ok"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failed", **checks},
        status=200 if healthy else 503,
    )
