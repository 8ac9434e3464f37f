"""Whole-database snapshots, to show that a rejected call wrote nothing."""

import pytest
from django.apps import apps

from iop.errors import ServiceError

PROJECT_APPS = ("iop", "referrals", "treatment", "discharge", "incidents", "deadlines")


def database_rows():
    """Return every row of the project's tables, keyed by model label.

    Comparing two snapshots catches inserts, updates and deletes. Meant for
    the few rows a service test creates.
    """
    rows = {}
    for app_label in PROJECT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            rows[model._meta.label] = list(model.objects.order_by("pk").values())
    return rows


def rejection(call):
    """Run `call`, expecting a ServiceError; return it and whether the
    database is unchanged."""
    before = database_rows()
    with pytest.raises(ServiceError) as raised:
        call()
    return raised.value, database_rows() == before
