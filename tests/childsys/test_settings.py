"""Settings come from the environment; mistakes give one clear line, production passes check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3y-" + "x7Qp9vR2mT5wY8zB1cF4hJ6kL0nS3dG7aE2" * 2


def run_manage(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    inherited = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "SECURE_", "ALLOWED_HOSTS")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    clean.update({"VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DEBUG": "0"}, "SECRET_KEY"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "1", "DATABASE_URL": "garbage"}, "DATABASE_URL"),
        ({"DEBUG": "1", "DATABASE_URL": "postgres://u:secret@db:notaport/child"}, "DATABASE_URL"),
        ({"DEBUG": "1", "DATABASE_URL": "postgres://u@db:5432/"}, "DATABASE_URL"),
        ({"DEBUG": "1", "REDIS_URL": "http://cache:6379/0"}, "REDIS_URL"),
        ({"DEBUG": "1", "REDIS_URL": "redis://cache:port/0"}, "REDIS_URL"),
        ({"DEBUG": "1", "EMAIL_URL": "smtp://mail:notaport"}, "EMAIL_URL"),
        ({"DEBUG": "1", "DASHBOARD_FIGURES_SECONDS": "a minute"}, "DASHBOARD_FIGURES_SECONDS"),
        ({"DEBUG": "1", "EMAIL_TIMEOUT": "-3"}, "EMAIL_TIMEOUT"),
        ({"DEBUG": "1", "SECURE_COOKIES": "perhaps"}, "SECURE_COOKIES"),
    ],
)
def test_it_names_the_bad_variable_in_one_line(tmp_path, env, variable):
    result = run_manage(tmp_path, "check", **env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {variable} ")
    assert "Traceback" not in result.stderr
    assert "secret" not in lines[0]  # credentials in URLs are never echoed


def test_it_passes_the_deploy_check_with_production_values(tmp_path):
    result = run_manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="portal.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_prints_the_production_security_settings(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.X_FRAME_OPTIONS, s.SESSION_COOKIE_AGE)"
    )
    result = run_manage(
        tmp_path,
        "shell",
        "--no-imports",
        "-c",
        code,
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="portal.example.org",
    )
    assert result.returncode == 0, result.stderr
    hsts, redirect, session_secure, csrf_secure, httponly, samesite, frame, age = result.stdout.split()
    assert int(hsts) >= 31536000
    assert (redirect, session_secure, csrf_secure, httponly) == ("True", "True", "True", "True")
    assert samesite == "Lax"
    assert frame == "DENY"
    assert int(age) <= 14 * 24 * 3600


def test_it_runs_embedded_with_no_configuration(tmp_path):
    code = "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)"
    result = run_manage(tmp_path, "shell", "--no-imports", "-c", code, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"]
    assert (tmp_path / "broker" / "queue").is_dir()


def test_it_uses_postgres_and_redis_when_configured(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.CACHES['default']['BACKEND'])"
    )
    result = run_manage(
        tmp_path,
        "shell",
        "--no-imports",
        "-c",
        code,
        DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/child",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://127.0.0.1:6379/0",
        "childsys.lib.cache.ResilientRedisCache",
    ]


def test_postgresql_connections_run_without_jit(tmp_path):
    # JIT compilation costs the dashboard's 90-day aggregates more than it saves (bench/pages.py).
    code = "from django.conf import settings as s; print(s.DATABASES['default']['OPTIONS']['options'])"
    env = {"DEBUG": "1", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/child"}
    result = run_manage(tmp_path, "shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "-c jit=off"
    # A DATABASE_URL that sets its own options keeps them.
    env["DATABASE_URL"] += "?options=-c%20statement_timeout%3D5000"
    result = run_manage(tmp_path, "shell", "--no-imports", "-c", code, **env)
    assert result.stdout.strip() == "-c statement_timeout=5000"
