"""Time the sweep and the dashboard query against a raw-SQL floor.

Creates a scratch database (a new PostgreSQL database that is dropped at the
end, or a temporary SQLite file), fills it with open deadlines of which a
small share is due, and times in one run:

- the floor: one SQL query that selects the due rows (open, due_soon_at at
  or before the sweep time) through the partial index;
- the dashboard selector attention_deadlines(), evaluated to model instances;
- sweep() on its first run, which raises one alert per due row;
- sweep() again at the same time, when nothing is left to raise (the cost of
  every later beat tick).

Each figure is printed with its ratio to the floor. EXPLAIN of the three
queries is checked for a range lookup on a partial index of open deadlines.
On PostgreSQL the script exits with status 1 if a plan has none. See
bench/README.md.

Usage:
    .venv/bin/python bench/sweep_bench.py [--rows 100000] [--due-share 0.01]
        [--database postgres|sqlite] [--server-url postgres://...]
"""

import argparse
import datetime as dt
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PARTIAL_INDEXES = ("deadline_open_due_soon", "deadline_open_due")
# The sweep's instant; the data is laid out around it.
AS_OF = dt.datetime(2026, 6, 1, 16, 0, tzinfo=dt.UTC)
MEMBER_COUNT = 1000
INSERT_BATCH = 5000

FLOOR_SQL = (
    "SELECT id, due_at FROM deadlines_deadline "
    "WHERE met_at IS NULL AND cancelled_at IS NULL AND due_soon_at <= %s "
    "ORDER BY due_soon_at, id"
)


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=100_000, help="open deadlines to create"
    )
    parser.add_argument(
        "--due-share",
        type=float,
        default=0.01,
        help="share of the rows that are due soon or overdue at the sweep time "
        "(default 0.01)",
    )
    parser.add_argument(
        "--database",
        choices=["postgres", "sqlite"],
        default="postgres",
        help="where the scratch database lives (default postgres)",
    )
    parser.add_argument(
        "--server-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server to create the scratch database on; the path "
        "names a database to connect to for CREATE and DROP DATABASE",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="runs of each read-only measurement; the median is printed",
    )
    return parser.parse_args()


# The scratch database


def create_postgres_database(server_url):
    import psycopg2

    name = f"iop_bench_{os.getpid()}"
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    base_url = server_url.rsplit("/", 1)[0]
    return name, f"{base_url}/{name}"


def drop_postgres_database(server_url, name):
    import psycopg2

    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "iop.settings"
    os.environ.setdefault("CONN_MAX_AGE", "0")
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    # One INFO line per alert would time the terminal, not the sweep; and the
    # sender's wake-up would publish to whichever broker is configured.
    logging.getLogger("deadlines").setLevel(logging.WARNING)
    import deadlines.services

    deadlines.services._wake_sender = lambda: None


# The data


def deadline_times(kind, rng):
    """Return (due_at, due_soon_at) for a row that is overdue, due soon or
    open at AS_OF; every row warns 4 hours before it is due."""
    if kind == "overdue":
        due_at = AS_OF - dt.timedelta(minutes=rng.randint(1, 48 * 60))
    elif kind == "due_soon":
        due_at = AS_OF + dt.timedelta(minutes=rng.randint(0, 4 * 60 - 1))
    else:
        due_at = AS_OF + dt.timedelta(minutes=rng.randint(4 * 60 + 1, 30 * 24 * 60))
    return due_at, due_at - dt.timedelta(hours=4)


def fill(rows, due_share):
    """Insert `rows` open deadlines, spread over MEMBER_COUNT members of one
    program; return the program and the number of due rows."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from deadlines.models import Deadline
    from deadlines.rules import RULES
    from iop.models import Member, Program
    from referrals.models import Referral

    rng = random.Random(20260601)
    program = Program.objects.create(name="Benchmark IOP", population="adult")
    user = get_user_model().objects.create(username="bench")
    members = Member.objects.bulk_create(
        Member(
            program=program,
            first_name="Bench",
            last_name=f"Member{index}",
            date_of_birth=dt.date(1990, 1, 1),
            plan_member_id=f"BENCH{index:06d}",
            recorded_by=user,
        )
        for index in range(MEMBER_COUNT)
    )
    # Rows point at referral ids that do not exist: the sweep and the
    # dashboard never read the subject, and this keeps the fill fast.
    subject_type = ContentType.objects.get_for_model(Referral)
    rule_keys = sorted(RULES)

    due_count = round(rows * due_share)
    kinds = ["overdue"] * (due_count // 2) + ["due_soon"] * (due_count - due_count // 2)
    kinds += ["open"] * (rows - due_count)
    rng.shuffle(kinds)

    batch = []
    for index, kind in enumerate(kinds):
        rule_key = rule_keys[index % len(rule_keys)]
        due_at, due_soon_at = deadline_times(kind, rng)
        batch.append(
            Deadline(
                rule=rule_key,
                program=program,
                member=members[index % MEMBER_COUNT],
                subject_type=subject_type,
                subject_id=index + 1,
                length=RULES[rule_key].length,
                started_at=due_at - dt.timedelta(hours=24),
                due_at=due_at,
                due_soon_at=due_soon_at,
            )
        )
        if len(batch) == INSERT_BATCH:
            Deadline.objects.bulk_create(batch)
            batch = []
    Deadline.objects.bulk_create(batch)
    return program, due_count


def analyze():
    """Refresh the planner's statistics, as autovacuum would after a bulk load."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# Measurements


def time_once(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def median_time(function, repeat):
    return statistics.median(time_once(function)[0] for _ in range(repeat))


def floor_rows():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [AS_OF])
        return cursor.fetchall()


def explain_plans(program):
    """Return the query plan of the floor, the dashboard and the sweep."""
    from django.db import connection

    from deadlines.selectors import attention_deadlines
    from deadlines.services import _sweep_candidates

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + FLOOR_SQL, [AS_OF])
        floor_plan = "\n".join(" ".join(map(str, row)) for row in cursor.fetchall())
    return {
        "floor": floor_plan,
        "dashboard": attention_deadlines(program, AS_OF).explain(),
        "sweep": _sweep_candidates(AS_OF).explain(),
    }


def uses_partial_index(plan):
    """Say whether the plan looks up a range of a partial index on open
    deadlines, rather than reading the whole index in order."""
    lines = plan.splitlines()
    for number, line in enumerate(lines):
        if not any(name in line for name in PARTIAL_INDEXES):
            continue
        # SQLite: SEARCH is a constrained lookup, SCAN reads the whole index.
        if line.lstrip("0123456789 ").startswith("SEARCH"):
            return True
        # PostgreSQL: the index node's next line carries its condition.
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if "Index Cond" in following:
            return True
    return False


def database_label():
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def run(arguments):
    from django.db import connection

    from deadlines.models import Alert
    from deadlines.selectors import attention_deadlines
    from deadlines.services import sweep

    fill_seconds, (program, due_count) = time_once(
        lambda: fill(arguments.rows, arguments.due_share)
    )
    analyze()
    print(
        f"{arguments.rows:,} open deadlines, {due_count:,} of them due soon or "
        f"overdue; {database_label()}; filled in {fill_seconds:.1f} s"
    )

    floor_count = len(floor_rows())
    floor = median_time(floor_rows, arguments.repeat)
    dashboard_count = len(list(attention_deadlines(program, AS_OF)))
    dashboard = median_time(
        lambda: list(attention_deadlines(program, AS_OF)), arguments.repeat
    )
    plans = explain_plans(program)
    first_sweep, raised = time_once(lambda: sweep(AS_OF))
    repeat_sweep = median_time(lambda: sweep(AS_OF), arguments.repeat)
    plans["sweep, after its alerts exist"] = explain_plans(program)["sweep"]

    print(f"{'measurement':44} {'rows':>7} {'time':>10} {'/ floor':>8}")
    lines = [
        ("floor: raw SQL through the partial index", floor_count, floor),
        ("dashboard: attention_deadlines() instances", dashboard_count, dashboard),
        ("sweep, first run (raises one alert a row)", len(raised), first_sweep),
        ("sweep, repeat run (nothing left to raise)", 0, repeat_sweep),
    ]
    for label, count, seconds in lines:
        print(
            f"{label:44} {count:>7,} {seconds * 1000:>7.1f} ms {seconds / floor:>7.1f}x"
        )
    if raised:
        per_alert = first_sweep / len(raised) * 1000
        print(f"first sweep per alert raised: {per_alert:.2f} ms")

    checks_pass = floor_count == dashboard_count == len(raised) == due_count
    checks_pass = checks_pass and Alert.objects.count() == due_count
    print(f"row counts agree: {'yes' if checks_pass else 'NO'}")
    # Production runs PostgreSQL, so only its plans decide the exit status.
    # SQLite, the embedded development database, plans the dashboard's OR
    # through the member index; its plans are printed for information.
    is_strict = connection.vendor == "postgresql"
    for name, plan in plans.items():
        used = uses_partial_index(plan)
        checks_pass = checks_pass and (used or not is_strict)
        print(f"EXPLAIN {name}: partial index used: {'yes' if used else 'NO'}")
        if not used:
            print(plan)
    return checks_pass


def main():
    arguments = parse_arguments()
    if arguments.database == "postgres":
        name, database_url = create_postgres_database(arguments.server_url)
        try:
            setup_django(database_url)
            passed = run(arguments)
        finally:
            from django.db import connections

            connections.close_all()
            drop_postgres_database(arguments.server_url, name)
    else:
        with tempfile.TemporaryDirectory() as folder:
            setup_django(f"sqlite:///{folder}/bench.sqlite3")
            passed = run(arguments)
            from django.db import connections

            connections.close_all()
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
