"""Checks on the deployment files, which no test here can run: these machines
have no Docker engine, so docker-compose.yml and the Dockerfile are read and
parsed instead."""

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ["web", "worker", "beat"]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def procfile():
    commands = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        match = re.match(r"^([\w-]+):\s*(.+)$", line)
        if match:
            commands[match[1]] = match[2]
    return commands


def command_text(service):
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_compose_runs_the_five_services(compose):
    assert set(compose["services"]) == {"postgres", "redis", *APP_SERVICES}


def test_every_service_has_a_health_check(compose):
    for name, service in compose["services"].items():
        test = service.get("healthcheck", {}).get("test")
        assert test, f"{name} has no health check"
        assert test[0] in ("CMD", "CMD-SHELL"), name


def test_web_health_check_fetches_health_endpoint(compose):
    test = " ".join(compose["services"]["web"]["healthcheck"]["test"])

    assert "http://127.0.0.1:8000/health/" in test


def test_data_lives_in_named_volumes(compose):
    declared = set(compose["volumes"])
    mounted = {
        volume.split(":")[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
    }

    assert {"postgres-data", "redis-data", "beat-schedule"} <= declared
    assert mounted == declared


def test_app_services_wait_for_healthy_backends(compose):
    for name in APP_SERVICES:
        depends_on = compose["services"][name]["depends_on"]
        assert depends_on["postgres"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name


def test_app_services_get_production_settings(compose):
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        assert environment["DEBUG"] == "0", name
        assert environment["DATABASE_URL"].startswith("postgres://"), name
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:"), name
        # Compose stops with this message when SECRET_KEY is not set.
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?"), name


def test_web_migrates_then_serves_with_gunicorn(compose):
    command = command_text(compose["services"]["web"])

    assert command.index("manage.py migrate") < command.index("gunicorn")
    assert "gunicorn iop.wsgi:application --bind 0.0.0.0:8000" in command
    assert "load_demo_data --allow-production" in command


def test_web_command_is_valid_shell(compose):
    command = compose["services"]["web"]["command"]
    # Compose turns $$ into $ before passing the command to the shell.
    script = command[2].replace("$$", "$")

    result = subprocess.run(["sh", "-n", "-c", script], capture_output=True)

    assert command[:2] == ["sh", "-c"]
    assert result.returncode == 0, result.stderr


def test_worker_and_beat_run_the_procfile_commands(compose, procfile):
    worker = shlex.split(command_text(compose["services"]["worker"]))
    beat = shlex.split(command_text(compose["services"]["beat"]))

    assert worker[:4] == shlex.split(procfile["worker"])[:4]
    assert beat[:4] == shlex.split(procfile["beat"])[:4]
    assert worker[:4] == ["celery", "-A", "iop", "worker"]
    assert beat[:4] == ["celery", "-A", "iop", "beat"]


def test_beat_keeps_its_schedule_in_its_volume(compose):
    beat = compose["services"]["beat"]

    assert "--schedule /app/var/celerybeat-schedule" in command_text(beat)
    assert "beat-schedule:/app/var" in beat["volumes"]


def test_only_web_publishes_a_port_on_loopback(compose):
    published = {
        name: service["ports"]
        for name, service in compose["services"].items()
        if "ports" in service
    }

    assert published == {"web": ["127.0.0.1:8000:8000"]}


def test_procfile_starts_web_worker_and_beat(procfile):
    assert set(procfile) == {"web", "worker", "beat"}
    assert "runserver 127.0.0.1:${IOP_PORT:-8000} --noreload" in procfile["web"]
    # The threads pool stops on one Ctrl-C together with honcho.
    assert "--pool threads" in procfile["worker"]
    assert "--schedule var/celerybeat-schedule" in procfile["beat"]


def test_dockerfile_installs_app_and_collects_static():
    dockerfile = (ROOT / "Dockerfile").read_text()
    instructions = [
        line.split()[0]
        for line in dockerfile.splitlines()
        if line and not line.startswith((" ", "#"))
    ]

    assert instructions[0] == "FROM"
    assert "FROM python:3.11-slim" in dockerfile
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert package in dockerfile, package
    assert "RUN pip install ." in dockerfile
    assert "manage.py collectstatic --noinput" in dockerfile
    assert "USER iop" in dockerfile
    assert '"gunicorn", "iop.wsgi:application"' in dockerfile


def test_dockerignore_keeps_local_state_out():
    ignored = (ROOT / ".dockerignore").read_text().split()

    for path in (".git", ".venv", "var", ".env"):
        assert path in ignored, path
