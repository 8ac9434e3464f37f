# The app image for docker-compose.yml: web (gunicorn), worker and beat.
# NOTE: written without a Docker engine at hand, so never built here; the
# test suite checks its steps by reading this file.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango and a font for PDF exports rendered by WeasyPrint.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# DEBUG=1 only for this build step: production settings need a database and
# a broker, which collectstatic does not use.
RUN DEBUG=1 python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app iop \
    && mkdir -p /app/var \
    && chown -R iop /app/var

USER iop
EXPOSE 8000

# The access log shows paths without query strings (%(U)s), because a
# search's query string can hold a member's name.
CMD ["gunicorn", "iop.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--access-logformat", "%(h)s %(t)s \"%(m)s %(U)s\" %(s)s %(B)s %(L)s"]
