"""Helpers for the REST API tests: clients, the fixed clock and row counts."""

import datetime as dt

from django.apps import apps
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

# Tuesday 10 March 2026, 11:00 in New York (EDT, UTC-4).
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)

CLINICAL_RESOURCES = [
    "referrals",
    "evaluations",
    "admissions",
    "team-members",
    "discharges",
    "appointments",
    "incidents",
]


def client_for(staff):
    """Return an API client signed in with `staff`'s token."""
    token, _ = Token.objects.get_or_create(user=staff.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def iso(instant):
    return instant.isoformat()


def row_counts():
    """Count the rows of every model, deadlines and audit entries included."""
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def error_codes(response, field):
    return response.json().get("codes", {}).get(field, [])
