"""A real Celery worker on the Redis broker runs the sweep task end to end.

The worker is a separate process pointed at this run's test database, so the
test commits its rows (transaction=True) for the worker to see them.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from deadlines.models import Alert, AlertKind, Notification
from deadlines.tasks import sweep_deadlines_task

PROJECT_DIR = Path(settings.BASE_DIR)
WORKER_TIMEOUT_SECONDS = 60


def database_url(settings_dict):
    """Build a DATABASE_URL for the database this test run is using."""
    user = settings_dict["USER"] or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture
def celery_worker_process(tmp_path):
    """Start `celery -A iop worker --pool solo` on a queue of its own.

    The queue name is unique to this test process, so a worker of another
    test run on the same Redis database never takes this test's task. The
    worker also drains the default queue, where the sweep sends its sender
    wake-ups; those tasks only send what an outbox holds, so taking one of
    another run's is harmless. The worker is stopped by its process id when
    the test ends, and the queue's keys are deleted from Redis.
    """
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs the test database on a PostgreSQL server")
    queue = f"iop-test-{os.getpid()}"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "iop.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_URL": "memorymail://",
        "CONN_MAX_AGE": "0",
    }
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "iop",
                "worker",
                "--pool",
                "solo",
                "--queues",
                f"{queue},celery",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            cwd=PROJECT_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield queue, log_path
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        broker.delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )


@pytest.mark.django_db(transaction=True)
def test_worker_runs_sweep_task_end_to_end(
    celery_worker_process, open_deadlines, director
):
    queue, log_path = celery_worker_process
    deadlines = open_deadlines(3)

    sweep_deadlines_task.apply_async(queue=queue)
    deadline_at = time.monotonic() + WORKER_TIMEOUT_SECONDS
    while time.monotonic() < deadline_at:
        sent = Notification.objects.filter(sent_at__isnull=False).count()
        if sent == 3:
            break
        time.sleep(0.2)

    worker_log = log_path.read_text()
    alerts = Alert.objects.filter(deadline__in=deadlines)
    assert alerts.count() == 3, worker_log[-3000:]
    assert set(alerts.values_list("kind", flat=True)) == {AlertKind.OVERDUE}
    assert Notification.objects.filter(sent_at__isnull=False).count() == 3
    recipients = list(Notification.objects.values_list("recipients", flat=True))
    assert recipients == [[director.user.email]] * 3
    assert "deadlines.tasks.sweep_deadlines_task" in worker_log
