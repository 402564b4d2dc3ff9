"""Helpers shared by the benchmark scripts: the PostgreSQL database, Django set-up, fast inserts, figures.

Import this module before Django: ``configure(...)`` sets the environment the settings read.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def configure(*, database_url: str, var_dir: str, allowed_hosts: str = "testserver") -> dict[str, str]:
    """Production-like environment for the settings: DEBUG off, plain HTTP, the bench's own key and hosts.

    Returns the variables, so a server started by the script (gunicorn) gets the same ones.
    """
    os.environ.setdefault("DATABASE_URL", database_url)
    values = {
        "DJANGO_SETTINGS_MODULE": "childsys.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY", BENCH_SECRET_KEY),
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": allowed_hosts,
        "VAR_DIR": str(ROOT / "var" / var_dir),
        "STATIC_ROOT": str(ROOT / "var" / var_dir / "static"),  # collectstatic's target, if the script serves
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": os.environ["DATABASE_URL"],
    }
    os.environ.update(values)
    Path(values["STATIC_ROOT"]).mkdir(parents=True, exist_ok=True)
    return values


def require_postgres(script: str, default_url: str) -> str:
    url = os.environ["DATABASE_URL"]
    if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        sys.exit(f"{script} needs PostgreSQL: set DATABASE_URL (e.g. {default_url})")
    return url


def ensure_database(url: str, *, recreate: bool = False) -> None:
    """Create the database named in ``url`` if missing (dropping it first with ``recreate``)."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres", dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        if recreate:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    conn.close()


def setup_django() -> None:
    import django
    from django.conf import settings

    # No collectstatic for in-process requests: plain static storage instead of the manifest one.
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    django.setup()


# --- fast inserts ----------------------------------------------------------------------------


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    if isinstance(value, int | float | Decimal):
        return str(value)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(model, rows: Iterable[dict]) -> int:
    """COPY ``rows`` (dicts by field attname, ``id`` included) into ``model``'s table.

    Every concrete column is written: those a row leaves out get the field's default (or NULL),
    so the script keeps working when an area adds a column with a default.
    """
    from django.db import connection

    fields = list(model._meta.concrete_fields)
    buffer = io.StringIO()
    count = 0
    for row in rows:
        values = []
        for f in fields:
            if f.attname in row:
                values.append(row[f.attname])
            elif f.has_default():
                values.append(f.get_default())
            elif f.null:
                values.append(None)
            elif f.primary_key:
                raise ValueError(f"{model.__name__}: rows need an id (explicit ids keep references cheap)")
            else:
                values.append(f.get_default())  # "" for text fields
        buffer.write("\t".join(_copy_text(v) for v in values) + "\n")
        count += 1
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN", buffer
        )
    return count


def next_id(model) -> int:
    from django.db.models import Max

    return (model._base_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


def reset_sequences(*models) -> None:
    """After inserts with explicit ids, move the id sequences past them."""
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)


# --- figures ---------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
