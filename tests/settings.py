"""Test settings: the project's one settings file, with a few values overridden for speed and isolation."""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test"))

# Under pytest-xdist (``-n``) each worker process gets a broker, a cache and a var folder of its
# own, so that the Celery workers one test process starts never take another's tasks and one
# process clearing its cache leaves the others' alone. pytest-django gives each its own database.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", … or ""
_WORKER_NUMBER = int(_XDIST_WORKER[2:]) if _XDIST_WORKER.startswith("gw") else 0
if _XDIST_WORKER:
    os.environ["VAR_DIR"] = os.path.join(os.environ["VAR_DIR"], _XDIST_WORKER)
    if os.environ.get("REDIS_URL"):
        # Redis has 16 databases: the broker takes the given one plus the worker number, the cache
        # counts down from 14 (TEST_CACHE_DB).
        _broker = urlsplit(os.environ["REDIS_URL"])
        _first = int(_broker.path.strip("/") or 0)
        os.environ["REDIS_URL"] = urlunsplit(_broker._replace(path=f"/{_first + _WORKER_NUMBER}"))

# After the environment above: the settings read it when imported.
from childsys.settings import *  # noqa: E402, F403
from childsys.settings import CACHES, DATABASES, REDIS_URL, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SITE_URL = "http://testserver"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that Celery worker processes started by tests share the test database.
    # One per test process, so concurrent runs do not collide.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}

if REDIS_URL:
    # Tests clear the cache between tests: use a database of its own so the broker's keys survive.
    _parts = urlsplit(REDIS_URL)
    _cache_db = int(os.environ.get("TEST_CACHE_DB", "14")) - _WORKER_NUMBER
    CACHES["default"]["LOCATION"] = urlunsplit(_parts._replace(path=f"/{_cache_db}"))
    CACHES["default"]["KEY_PREFIX"] = "childsys-tests"
else:
    # One cache per test process, so concurrent test runs cannot clear each other's keys.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Dashboard figures are computed on every load, so a test sees its own changes at once (on_commit
# callbacks, which move the cache's version on, do not run inside a test's transaction).
# tests/communities/test_figures.py turns the cache on.
DASHBOARD_FIGURES_SECONDS = 0
