"""Celery tasks of the deadline engine. Both are safe to run twice."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task
def sweep_deadlines_task():
    """Raise the alerts owed now, then send what the outbox holds."""
    raised = services.sweep()
    sent = services.send_pending_notifications()
    logger.info("deadline sweep done alerts=%s sent=%s", len(raised), sent)
    return len(raised)


@shared_task
def send_notifications_task():
    """Send the outbox's unsent notifications."""
    return services.send_pending_notifications()
