"""Settings for the CHILD portal: one file, driven by environment variables.

With no variables set the portal runs embedded (SQLite and kombu's filesystem broker
under ``var/``). ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
Every variable is listed in the README's configuration table.
"""

from __future__ import annotations

import re
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()


def _config_error(variable: str, problem: str) -> None:
    # A one-line message naming the variable beats a traceback from deep inside Django.
    sys.exit(f"Configuration error: {variable} {problem}")


_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _bool(variable: str, default: bool) -> bool:
    raw = env.str(variable, default="").strip().lower()
    if not raw:
        return default
    if raw not in _BOOLEANS:
        _config_error(variable, f"must be 1 or 0 (or true/false), got {raw!r}")
    return _BOOLEANS[raw]


def _int(variable: str, default: int) -> int:
    raw = env.str(variable, default="").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        _config_error(variable, f"must be a whole number of 0 or more, got {raw!r}")
    return value


DEBUG = _bool("DEBUG", False)

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        _config_error("SECRET_KEY", "is required when DEBUG is off (set DEBUG=1 for development)")
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
TRUSTED_PROXY_COUNT = _int("TRUSTED_PROXY_COUNT", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "anymail",
    "communities",
    "practice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "childsys.lib.middleware.TimeZoneMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "childsys.lib.middleware.IdleSessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "communities.sso_errors.IdentityProviderErrorMiddleware",
    "communities.sso_csp.SSOFormActionMiddleware",
    "communities.mfa_required.MFARequiredMiddleware",
]

ROOT_URLCONF = "childsys.urls"
WSGI_APPLICATION = "childsys.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "communities.context_processors.navigation",
                "communities.context_processors.sign_in",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
_DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
_database_url = env.str("DATABASE_URL", default=_DEFAULT_DATABASE_URL)
_DATABASE_ENGINES = {"sqlite", "postgres", "postgresql", "pgsql", "psql"}
if urlsplit(_database_url).scheme not in _DATABASE_ENGINES:
    _config_error("DATABASE_URL", "must start with postgres:// or sqlite:///")
try:
    _database = environ.Env.db_url_config(_database_url)
except Exception as exc:  # django-environ raises several types for bad URLs
    _config_error("DATABASE_URL", f"cannot be parsed: {exc}")
if _database["ENGINE"] == "django.db.backends.postgresql":
    if not _database.get("NAME"):
        _config_error("DATABASE_URL", "names no database (postgres://user@host:5432/NAME)")
    _database["CONN_MAX_AGE"] = _int("DATABASE_CONN_MAX_AGE", 60)
    _database["CONN_HEALTH_CHECKS"] = True
    _database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # PostgreSQL's JIT compiles the dashboard's 90-day aggregates (cost above 100,000) at 20-70 ms a
    # query, more than it saves on queries this size: a web workload is better off without it.
    _database["OPTIONS"].setdefault("options", "-c jit=off")
else:
    # WAL lets the web process read while the worker writes.
    _database.setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = _database["ENGINE"] == "django.db.backends.postgresql"

# --- Redis: broker and cache ----------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    _redis = urlsplit(REDIS_URL)
    try:
        _redis_port = _redis.port
    except ValueError:
        _redis_port = -1
    if _redis.scheme not in {"redis", "rediss"} or not _redis.hostname or _redis_port == -1:
        _config_error("REDIS_URL", "must look like redis://[:password@]host:6379/0")
    CACHES = {
        "default": {
            "BACKEND": "childsys.lib.cache.ResilientRedisCache",  # memory fallback while Redis is away
            "LOCATION": env.str("CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": "childsys",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "visibility_timeout": 3600,
    }
else:
    # Embedded default: a file cache shared by web and worker processes on one machine,
    # and kombu's filesystem broker, both under var/.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_ALWAYS_EAGER = _bool("CELERY_TASK_ALWAYS_EAGER", False)

# --- Email ----------------------------------------------------------------------------
_email_url = env.str("EMAIL_URL", default="consolemail://")
try:
    _email = environ.Env.email_url_config(_email_url)
except Exception as exc:
    _config_error("EMAIL_URL", f"cannot be parsed: {exc}")
if _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    # filemail:///abs/path — keep the path absolute (django-environ drops the leading slash).
    _email["EMAIL_FILE_PATH"] = urlsplit(_email_url).path or str(VAR_DIR / "mail")
vars().update(_email)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CHILD portal <noreply@child.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = _int("EMAIL_TIMEOUT", 10)
# An outbox row left "sending" this long (its worker died mid-batch) is claimed again.
OUTBOX_STALE_CLAIM_SECONDS = _int("OUTBOX_STALE_CLAIM_SECONDS", 600)
# Emails claimed in one statement and sent over one SMTP connection; the back-off after a failure.
OUTBOX_BATCH_SIZE = _int("OUTBOX_BATCH_SIZE", 100)
OUTBOX_RETRY_SECONDS = _int("OUTBOX_RETRY_SECONDS", 60)

# --- Reply by email (README "Reply by email") ------------------------------------------
# Notification emails carry Reply-To: reply+<signed token>@REPLY_DOMAIN when this is set.
REPLY_DOMAIN = env.str("REPLY_DOMAIN", default="").strip().lower()
REPLY_TOKEN_DAYS = _int("REPLY_TOKEN_DAYS", 30)
INBOUND_MAX_BYTES = _int("INBOUND_MAX_BYTES", 10 * 1024 * 1024)
# imaps://user:password@mail.example.org/INBOX (imap:// for a server without TLS, on loopback only).
INBOUND_IMAP_URL = env.str("INBOUND_IMAP_URL", default="").strip()
INBOUND_IMAP_PROCESSED_FOLDER = env.str("INBOUND_IMAP_PROCESSED_FOLDER", default="Processed")
INBOUND_IMAP_FAILED_FOLDER = env.str("INBOUND_IMAP_FAILED_FOLDER", default="Failed")
INBOUND_IMAP_TIMEOUT = _int("INBOUND_IMAP_TIMEOUT", 30)
# Hosted inbound email through django-anymail: a provider's webhook is on only when its secret is set.
ANYMAIL = {
    # Mailgun signs every webhook (HMAC-SHA256) with this key.
    "MAILGUN_WEBHOOK_SIGNING_KEY": env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
    # "user:password" in the webhook URL: Postmark's check (HTTP basic auth), Mailgun's too.
    "WEBHOOK_SECRET": env.str("INBOUND_WEBHOOK_SECRET", default="") or None,
}

# Practice sessions: reminders to those going or maybe, this long before each occurrence.
SESSION_REMINDER_DAY_HOURS = _int("SESSION_REMINDER_DAY_HOURS", 24)
SESSION_REMINDER_HOUR_MINUTES = _int("SESSION_REMINDER_HOUR_MINUTES", 60)

# --- Accounts (django-allauth) --------------------------------------------------------
AUTH_USER_MODEL = "communities.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_SIGNUP_FORM_CLASS = "communities.forms.community.SignupExtraForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # Django rotates the session hash, ending other sessions
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CHILD] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}  # stored in the default (shared) cache
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ACCOUNT_ADAPTER = "communities.adapters.AccountAdapter"
# Security notifications (password changed, an MFA method added or removed...) go to the account's address.
ACCOUNT_EMAIL_NOTIFICATIONS = True
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

# --- Single sign-on and multi-factor sign-in (allauth.socialaccount, allauth.mfa) -------------
# The README's "Single sign-on" section explains each variable; communities/sso_config.py turns them
# into allauth's provider settings. More providers may be added in the admin (Social applications).
from communities import sso_config  # noqa: E402 - plain functions, no models

SSO_OIDC_ISSUER = env.str("SSO_OIDC_ISSUER", default="").strip()
SSO_OIDC_CLIENT_ID = env.str("SSO_OIDC_CLIENT_ID", default="").strip()
SSO_OIDC_CLIENT_SECRET = env.str("SSO_OIDC_CLIENT_SECRET", default="")
SSO_OIDC_NAME = env.str("SSO_OIDC_NAME", default="").strip() or "Sign in with your organisation"
SSO_SAML_METADATA_URL = env.str("SSO_SAML_METADATA_URL", default="").strip()
SSO_SAML_METADATA_FILE = env.str("SSO_SAML_METADATA_FILE", default="").strip()
SSO_SAML_NAME = env.str("SSO_SAML_NAME", default="").strip() or "Sign in with your organisation (SAML)"
SSO_TRUSTED_EMAIL_DOMAINS = [d.strip().lower().lstrip("@") for d in env.list("SSO_TRUSTED_EMAIL_DOMAINS", default=[])]
SSO_ONLY = _bool("SSO_ONLY", False)
try:
    SSO_GROUP_COMMUNITIES = sso_config.parse_group_communities(env.str("SSO_GROUP_COMMUNITIES", default=""))
    SOCIALACCOUNT_PROVIDERS = sso_config.providers(
        oidc_issuer=SSO_OIDC_ISSUER,
        oidc_client_id=SSO_OIDC_CLIENT_ID,
        oidc_client_secret=SSO_OIDC_CLIENT_SECRET,
        oidc_name=SSO_OIDC_NAME,
        saml_metadata_url=SSO_SAML_METADATA_URL,
        saml_metadata_file=SSO_SAML_METADATA_FILE,
        saml_name=SSO_SAML_NAME,
        trusted_email_domains=SSO_TRUSTED_EMAIL_DOMAINS,
    )
except sso_config.SSOConfigError as exc:
    _config_error(exc.variable, exc.problem)
if SSO_ONLY and not (SSO_OIDC_ISSUER or SSO_SAML_METADATA_URL or SSO_SAML_METADATA_FILE):
    _config_error("SSO_ONLY", "needs SSO_OIDC_ISSUER or SSO_SAML_METADATA_URL / SSO_SAML_METADATA_FILE")
SOCIALACCOUNT_ADAPTER = "communities.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = True
# An identity provider's verified address signs in to the local account holding it, and connects it.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = _int("SSO_REQUESTS_TIMEOUT", 10)

MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = not SSO_ONLY  # a passkey is a password of sorts
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="CHILD portal")
# WebAuthn needs https, except on a development machine (DEBUG) or behind MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN=1.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = _bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", DEBUG)
# Password users holding one of these roles in any community (and staff, when "staff" is listed) must set
# up a second factor before they open a community page. Single sign-on users are exempt.
try:
    MFA_REQUIRED_ROLES = sso_config.parse_required_roles(env.str("MFA_REQUIRED_ROLES", default=""))
except sso_config.SSOConfigError as exc:
    _config_error(exc.variable, exc.problem)

# --- Downloading one's data (README "Your data: download and deletion") -------------------
# A member's download (/me/data/) is built by the worker and deleted this many days after it is ready.
DATA_EXPORT_DAYS = _int("DATA_EXPORT_DAYS", 7)

# --- Sessions and security ------------------------------------------------------------
SESSION_COOKIE_AGE = int(timedelta(days=14).total_seconds())  # absolute lifetime
# Accounts nobody has used for this many days are anonymised like a deletion (contributions kept as
# "Former member"), after an email warning ACCOUNT_INACTIVE_WARNING_DAYS before. Unset or 0: never.
ACCOUNT_INACTIVE_DAYS = _int("ACCOUNT_INACTIVE_DAYS", 0) or None
ACCOUNT_INACTIVE_WARNING_DAYS = _int("ACCOUNT_INACTIVE_WARNING_DAYS", 30)
SESSION_IDLE_TIMEOUT = _int("SESSION_IDLE_TIMEOUT", int(timedelta(hours=8).total_seconds()))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
_secure_cookies = _bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = _secure_cookies
CSRF_COOKIE_SECURE = _secure_cookies
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Bootstrap components set inline style attributes; scripts stay strict.
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# The dashboard's practice figures are kept this long in the shared cache; every change to a
# community's practice data (a request, advice, a loop, an artefact) makes them be computed again.
# 0 computes them on every load.
DASHBOARD_FIGURES_SECONDS = _int("DASHBOARD_FIGURES_SECONDS", 60)

# How long the author of a help request or advice may still edit it.
PRACTICE_EDIT_WINDOW_MINUTES = _int("PRACTICE_EDIT_WINDOW_MINUTES", 30)

# --- Patient identifiers (childsys/lib/phi.py) ----------------------------------------
# Every text a member writes is checked for these before it is posted; see the README,
# "Confidentiality and data protection".
PHI_ALL_DETECTORS = ("sg_nric", "gb_nhs", "nl_bsn", "us_ssn", "mrn", "dob", "phone", "email")
PHI_DETECTORS = tuple(env.list("PHI_DETECTORS", default=list(PHI_ALL_DETECTORS)))
if _unknown := sorted(set(PHI_DETECTORS) - set(PHI_ALL_DETECTORS)):
    _config_error(
        "PHI_DETECTORS", f"unknown detector(s) {', '.join(_unknown)}; choose from {', '.join(PHI_ALL_DETECTORS)}"
    )
# The site's medical record number formats, as regular expressions separated by ";;" (a community may add its own).
PHI_MRN_PATTERNS = tuple(
    p.strip()
    for p in env.str("PHI_MRN_PATTERNS", default=r"(?i)\bMRN\s*(?:no\.?|number)?\s*[:#]?\s*[A-Z]{0,2}\d{5,10}\b").split(
        ";;"
    )
    if p.strip()
)
for _pattern in PHI_MRN_PATTERNS:
    try:
        re.compile(_pattern)
    except re.error as exc:
        _config_error("PHI_MRN_PATTERNS", f"{_pattern!r} is not a regular expression: {exc}")
# Phone numbers are recognised as written in these countries (ISO 3166 codes) and in international form.
PHI_PHONE_REGIONS = tuple(r.strip().upper() for r in env.list("PHI_PHONE_REGIONS", default=["SG", "GB", "NL", "US"]))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
