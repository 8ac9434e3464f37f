"""Production settings stop startup without their secrets.

Each case imports the settings in a fresh interpreter with a controlled
environment, since settings are read once per process.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ["SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "test-secret-key-for-startup-checks-only",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/iop",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
}
SETUP_DJANGO = "import django; django.setup(); print('settings loaded')"

pytestmark = pytest.mark.skipif(
    (ROOT / ".env").exists(),
    reason="a .env file in the project folder fills in missing variables",
)


def start_django(environment):
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "iop.settings"}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", SETUP_DJANGO],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_without_variable_fails(missing):
    environment = {
        name: value for name, value in PRODUCTION_ENV.items() if name != missing
    }

    result = start_django(environment)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} is not set" in result.stderr


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_with_empty_variable_fails(missing):
    result = start_django({**PRODUCTION_ENV, missing: ""})

    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_production_with_all_variables_starts():
    result = start_django(PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert "settings loaded" in result.stdout


def test_development_mode_needs_no_variables():
    result = start_django({})

    assert result.returncode == 0, result.stderr
    assert "settings loaded" in result.stdout
