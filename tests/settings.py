"""Test settings: the project's one settings file, with a few values overridden for speed and isolation."""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test"))

from childsys.settings import *  # noqa: F403
from childsys.settings import CACHES, DATABASES, REDIS_URL, VAR_DIR

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
    CACHES["default"]["LOCATION"] = urlunsplit(_parts._replace(path="/" + os.environ.get("TEST_CACHE_DB", "14")))
    CACHES["default"]["KEY_PREFIX"] = "childsys-tests"
else:
    # One cache per test process, so concurrent test runs cannot clear each other's keys.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Dashboard figures are computed on every load, so a test sees its own changes at once (on_commit
# callbacks, which move the cache's version on, do not run inside a test's transaction).
# tests/communities/test_figures.py turns the cache on.
DASHBOARD_FIGURES_SECONDS = 0
