"""Settings, read from the environment once, here.

Defaults give the embedded setup (SQLite under var/, no broker). Bad values fail loudly at start-up
rather than half-working later.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from exc


DATA_DIR = Path(os.environ.get("REDRESS_DATA_DIR") or PROJECT_DIR / "var")
DEBUG = env_bool("REDRESS_DEBUG", False)
# Demo mode lets the demo bank's users (password `demo`) log in; never on in production.
DEMO_MODE = env_bool("REDRESS_DEMO", False)


def secret_key(environ: Mapping[str, str], data_dir: Path, demo: bool) -> str:
    """REDRESS_SECRET_KEY; only the demo keeps a generated one in its data directory. Anywhere else a missing
    key refuses start-up: a key made per process (an unwritable directory, a node of its own) signs each
    worker's sessions differently and logs users out at random."""
    configured = environ.get("REDRESS_SECRET_KEY", "").strip()
    if configured:
        return configured
    if not demo:
        raise ImproperlyConfigured(
            "REDRESS_SECRET_KEY is not set. Set it to one long random value shared by every web node, worker "
            "and beat (e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'); only the demo "
            "(REDRESS_DEMO=1) makes its own."
        )
    key_file = data_dir / "secret_key"
    try:
        if key_file.exists():
            return key_file.read_text().strip()
        from django.core.management.utils import get_random_secret_key

        key = get_random_secret_key()
        data_dir.mkdir(parents=True, exist_ok=True)
        # Written whole under a name of its own, readable by the owner only, then linked into place: two
        # workers starting at once both end up with whichever key was linked first, never a half-written one.
        draft = data_dir / f".secret_key.{os.getpid()}"
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(key)
        try:
            os.link(draft, key_file)
        except FileExistsError:
            key = key_file.read_text().strip()
        finally:
            draft.unlink()
        return key
    except OSError as exc:
        raise ImproperlyConfigured(
            f"The demo keeps its secret key in {key_file} and cannot write it ({exc.strerror}): set "
            "REDRESS_SECRET_KEY or make REDRESS_DATA_DIR writable."
        ) from exc


SECRET_KEY = secret_key(os.environ, DATA_DIR, DEMO_MODE)

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("REDRESS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("REDRESS_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Serves the API docs page's scripts from our own static files (the machine has no web).
    "ninja",
    "redress.common",
    "redress.core",
    "redress.organisation",
    "redress.cases",
    "redress.access",
    "redress.calendar",
    "redress.routing",
    "redress.deadlines",
    "redress.notifications",
    "redress.matching",
    "redress.escalation",
    "redress.lifecycle",
    "redress.api",
    "redress.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "redress.web.middleware.WebLanguageMiddleware",
    # After the language is chosen, before anything reads the request: the API's edge (size, NUL).
    "redress.api.guard.ApiInputGuard",
    "redress.web.middleware.NulInPathIsNotFound",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "redress.urls"
WSGI_APPLICATION = "redress.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'redress.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL") or _default_db
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("REDRESS_DB_CONN_MAX_AGE", 60),
            # A kept connection is checked before a request reuses it: one the server dropped (a restart, a
            # failover) is replaced instead of failing that request with a 500 in every web worker.
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL and a busy timeout let several gunicorn workers share the file without "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organisation.Staff"
AUTHENTICATION_BACKENDS = ["redress.access.backends.StaffBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:register"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# The bank works in Beijing time; storage is UTC.
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"


def attachment_storage(environ: Mapping[str, str], root: Path) -> dict:
    """The "attachments" entry of STORAGES from the environment (redress.cases.attachments writes and reads
    through it). `local` (the default): files under `root`, one machine's disk, so one web node only or a
    directory every node mounts. `s3`: an S3-compatible object store (django-storages) every node shares."""
    kind = (environ.get("REDRESS_ATTACHMENT_STORAGE") or "local").strip().lower()
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}}
    if kind != "s3":
        raise ImproperlyConfigured(f"REDRESS_ATTACHMENT_STORAGE={kind!r} is not one of: local, s3")
    bucket = environ.get("REDRESS_S3_BUCKET", "").strip()
    if not bucket:
        raise ImproperlyConfigured("REDRESS_ATTACHMENT_STORAGE=s3 needs REDRESS_S3_BUCKET")
    style = (environ.get("REDRESS_S3_ADDRESSING_STYLE") or "auto").strip().lower()
    if style not in {"auto", "path", "virtual"}:
        raise ImproperlyConfigured(
            f"REDRESS_S3_ADDRESSING_STYLE={style!r} is not one of: auto, path, virtual"
        )
    from botocore.config import Config

    options: dict = {
        "bucket_name": bucket,
        # Objects stay private (no ACL, the bucket's default); nothing links to them: Redress streams them.
        "default_acl": None,
        # Names are random: no existence check before each write.
        "file_overwrite": True,
        # A registration waits on the store: fail within seconds, not after botocore's minute-long defaults.
        "client_config": Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"mode": "standard", "max_attempts": 3},
            s3={"addressing_style": style},
        ),
    }
    # Unset ones are left to boto3's own lookup (AWS_* variables, an instance's role).
    for option, variable in [
        ("endpoint_url", "REDRESS_S3_ENDPOINT_URL"),
        ("region_name", "REDRESS_S3_REGION"),
        ("access_key", "REDRESS_S3_ACCESS_KEY_ID"),
        ("secret_key", "REDRESS_S3_SECRET_ACCESS_KEY"),
        ("location", "REDRESS_S3_PREFIX"),
    ]:
        if value := environ.get(variable, "").strip():
            options[option] = value
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


# Attachments live outside the database and are never served directly: only through a visibility check.
ATTACHMENT_ROOT = Path(os.environ.get("REDRESS_ATTACHMENT_ROOT") or DATA_DIR / "attachments")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "attachments": attachment_storage(os.environ, ATTACHMENT_ROOT),
}
ATTACHMENT_MAX_BYTES = env_int("REDRESS_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("REDRESS_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# A case's received time lies at most this many days back (and not in the future): the official calendar
# and the time-limit policies reach no further. Older history comes through an import.
RECEIVED_WITHIN_DAYS = env_int("REDRESS_RECEIVED_WITHIN_DAYS", 3 * 365 + 1)
if RECEIVED_WITHIN_DAYS < 1:
    raise ImproperlyConfigured(f"REDRESS_RECEIVED_WITHIN_DAYS={RECEIVED_WITHIN_DAYS} must be 1 or more")

# Exports beyond this many rows are refused with a message asking for a narrower filter.
EXPORT_MAX_ROWS = env_int("REDRESS_EXPORT_MAX_ROWS", 100_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("REDRESS_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Notifications and Celery (docs/notifications.md). With no broker (the embedded setup) notifications are
# sent inline after commit and retried by the sweeper; with one, by `celery -A redress worker` and beat.
CELERY_BROKER_URL = os.environ.get("REDRESS_BROKER_URL", "")
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("REDRESS_CELERY_QUEUE") or "redress"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# A task is acknowledged after it ran, so a worker lost mid-task leaves it for another; tasks are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that hangs (a stopped server, a dead network path) must not hang the requests that hand it work:
# a call to it gives up after this many seconds and is tried once more; the rows wait for the retry sweep.
# Without it a publish waited forever and every web worker stopped answering (the Redis fault test).
BROKER_TIMEOUT = env_int("REDRESS_BROKER_TIMEOUT", 1)
if BROKER_TIMEOUT < 1:
    raise ImproperlyConfigured(f"REDRESS_BROKER_TIMEOUT={BROKER_TIMEOUT} must be 1 or more")
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": BROKER_TIMEOUT, "socket_connect_timeout": BROKER_TIMEOUT}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Seconds between two sweeps (beat's, or the embedded setup's sidecar): a minute in production; the cluster
# tests shorten it so a retry comes within their time.
SWEEP_INTERVAL = env_int("REDRESS_SWEEP_INTERVAL", 60)
if SWEEP_INTERVAL < 1:
    raise ImproperlyConfigured(f"REDRESS_SWEEP_INTERVAL={SWEEP_INTERVAL} must be 1 or more")
CELERY_BEAT_SCHEDULE = {
    # redress.lifecycle.tasks.sweep: warnings, breaches and supervision notices.
    "sweep": {"task": "redress.sweep", "schedule": float(SWEEP_INTERVAL)},
    # Email, SMS and webhook deliveries due for a retry (or never handed to a worker).
    "retry-notifications": {
        "task": "redress.notifications.retry_webhooks",
        "schedule": float(SWEEP_INTERVAL),
    },
}

# Django's mailers (6.1). An SMTP host switches email on; without one the embedded setup prints mail to
# the console.
_email_host = os.environ.get("REDRESS_EMAIL_HOST", "")
MAILERS = {
    "default": {
        "BACKEND": os.environ.get("REDRESS_EMAIL_BACKEND")
        or (
            "django.core.mail.backends.smtp.EmailBackend"
            if _email_host
            else "django.core.mail.backends.console.EmailBackend"
        ),
        "OPTIONS": {
            "host": _email_host,
            "port": env_int("REDRESS_EMAIL_PORT", 25),
            "username": os.environ.get("REDRESS_EMAIL_USER", ""),
            "password": os.environ.get("REDRESS_EMAIL_PASSWORD", ""),
            "use_tls": env_bool("REDRESS_EMAIL_TLS", False),
            "use_ssl": env_bool("REDRESS_EMAIL_SSL", False),
            "timeout": env_int("REDRESS_EMAIL_TIMEOUT", 10),
        }
        if _email_host
        else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("REDRESS_EMAIL_FROM") or "redress@localhost"
# Links in emails point here (e.g. https://redress.bank.example); empty leaves them out.
SITE_URL = os.environ.get("REDRESS_SITE_URL", "").rstrip("/")

# Dotted path of the SMS gateway class (redress.notifications.channels.SmsGateway).
SMS_GATEWAY = os.environ.get("REDRESS_SMS_GATEWAY") or "redress.notifications.channels.LogGateway"
WEBHOOK_TIMEOUT = env_int("REDRESS_WEBHOOK_TIMEOUT", 10)
# Seconds to wait after the 1st, 2nd, … failed attempt of an email, SMS or webhook; then it is failed.
_retry_delays = os.environ.get("REDRESS_NOTIFICATION_RETRY_DELAYS") or "60,300,1800,7200,43200"
try:
    NOTIFICATION_RETRY_DELAYS = [int(part) for part in _retry_delays.split(",")]
except ValueError as exc:
    raise ImproperlyConfigured(
        f"REDRESS_NOTIFICATION_RETRY_DELAYS={_retry_delays!r} is not a comma-separated list of seconds"
    ) from exc
# How long a sender holds a claimed delivery before another may take it over (one that died mid-send).
# Longer than any send's own timeout, so a slow but living sender is never doubled.
NOTIFICATION_CLAIM_SECONDS = env_int("REDRESS_NOTIFICATION_CLAIM_SECONDS", 120)
_longest_send = max(WEBHOOK_TIMEOUT, MAILERS["default"]["OPTIONS"].get("timeout", 0))
if _longest_send >= NOTIFICATION_CLAIM_SECONDS:
    raise ImproperlyConfigured(
        f"REDRESS_NOTIFICATION_CLAIM_SECONDS={NOTIFICATION_CLAIM_SECONDS} must be longer than the email and"
        " webhook timeouts: a slow send would be taken over and sent twice"
    )
