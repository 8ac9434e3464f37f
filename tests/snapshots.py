"""Whole-database snapshots, to show that a rejected call wrote nothing."""

from django.apps import apps

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
