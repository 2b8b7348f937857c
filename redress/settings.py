"""Settings, read from the environment once, here.

Defaults give the embedded setup (SQLite under var/, no broker). Bad values fail loudly at start-up
rather than half-working later.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

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
    from django.core.management.utils import get_random_secret_key

    return _kept_in(data_dir, "secret_key", get_random_secret_key, "REDRESS_SECRET_KEY")


def _kept_in(data_dir: Path, name: str, make, variable: str) -> str:
    """The demo's generated value kept in `data_dir/name`, made by `make()` the first time."""
    key_file = data_dir / name
    try:
        if key_file.exists():
            return key_file.read_text().strip()
        key = make()
        data_dir.mkdir(parents=True, exist_ok=True)
        # Written whole under a name of its own, readable by the owner only, then linked into place: two
        # workers starting at once both end up with whichever key was linked first, never a half-written one.
        draft = data_dir / f".{name}.{os.getpid()}"
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
            f"The demo keeps its {name.replace('_', ' ')} in {key_file} and cannot write it "
            f"({exc.strerror}): set {variable} or make REDRESS_DATA_DIR writable."
        ) from exc


def field_keys(environ: Mapping[str, str], data_dir: Path, demo: bool):
    """The keys of the personal data at rest (redress.common.crypto, decision 0031): REDRESS_FIELD_KEYS
    (`id:key` pairs, the one that encrypts first) and REDRESS_FIELD_INDEX_KEY (the blind index's). Only the
    demo keeps generated ones in its data directory; anywhere else start-up is refused without them, since
    a key made per process could not read what another process wrote."""
    from redress.common.crypto import new_key, parse_keys

    keys = environ.get("REDRESS_FIELD_KEYS", "").strip()
    index_key = environ.get("REDRESS_FIELD_INDEX_KEY", "").strip()
    if not (keys and index_key):
        if not demo:
            raise ImproperlyConfigured(
                "REDRESS_FIELD_KEYS and REDRESS_FIELD_INDEX_KEY must both be set: the keys that protect "
                "phone and ID numbers at rest, the same on every web node, worker and beat. Make them with "
                "`redress new-field-key` (REDRESS_FIELD_KEYS=k1:<key>, REDRESS_FIELD_INDEX_KEY=<key>); "
                "only the demo (REDRESS_DEMO=1) makes its own."
            )
        kept = _kept_in(data_dir, "field_keys", lambda: f"k1:{new_key()}\n{new_key()}", "REDRESS_FIELD_KEYS")
        keys, _, index_key = kept.partition("\n")
    try:
        return parse_keys(keys, index_key)
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from None


SECRET_KEY = secret_key(os.environ, DATA_DIR, DEMO_MODE)
# Earlier keys after a rotation, comma-separated: sessions signed with them stay valid, and the receipts of
# public reports (hashed under the key: redress.receipts) still open their reports.
SECRET_KEY_FALLBACKS = [
    k.strip() for k in os.environ.get("REDRESS_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()
]
FIELD_KEYS = field_keys(os.environ, DATA_DIR, DEMO_MODE)
# The key of the audit chain's seals (redress.common.chain, decision 0029); without it one is derived from the
# secret key, and rotating the secret key then leaves every earlier row unverifiable.
AUDIT_KEY = os.environ.get("REDRESS_AUDIT_KEY", "").strip()

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
    # Counts failed logins and token requests and locks the account (redress.access.lockout); named in the
    # bank's words by its configuration.
    "redress.access.apps.LoginAttemptsConfig",
    # Serves the API docs page's scripts from our own static files (the machine has no web).
    "ninja",
    "redress.common",
    "redress.core",
    "redress.organisation",
    "redress.cases",
    "redress.access",
    "redress.audit",
    "redress.calendar",
    "redress.routing",
    "redress.receipts",
    "redress.plans",
    "redress.deadlines",
    "redress.notifications",
    "redress.matching",
    "redress.escalation",
    "redress.referrals",
    "redress.watch",
    "redress.lifecycle",
    "redress.reports",
    "redress.retention",
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
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # After authentication: the idle timeout and no-store on every page and answer Redress makes.
    "redress.access.middleware.IdleSessionTimeout",
    "redress.access.middleware.NoStore",
    # Last, so a refused login or token request is answered by redress.access.lockout.lockout_response.
    "axes.middleware.AxesMiddleware",
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
# The few statements run on every registration whose planning is a large part of their cost are prepared
# on PostgreSQL (redress.common.driver.prepared_cursor); no other is, ever (Django's cursors bind on the
# client, which psycopg never prepares, and the threshold for preparing by repetition is out of reach). Off
# behind a transaction-pooling proxy that does not keep prepared statements (PgBouncer before 1.21).
DB_PREPARED_STATEMENTS = env_bool("REDRESS_DB_PREPARED_STATEMENTS", True)
if IS_POSTGRES and DB_PREPARED_STATEMENTS:
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organisation.Staff"
AUTHENTICATION_BACKENDS = [
    # First: a locked account or address is refused before its password is checked.
    "redress.access.backends.LockoutBackend",
    "redress.access.backends.StaffBackend",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("REDRESS_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout (django-axes, redress.access.lockout): this many failed logins or token requests for one account
# within the lockout time lock that account's logins and token requests for the lockout time; an address
# (a branch's proxy may carry many staff) gets its own, higher limit. Administrators unlock in the admin
# (Staff → "Unlock logins", or delete the access attempt) or with `redress axes_reset_username NAME`.
LOGIN_FAILURE_LIMIT = env_int("REDRESS_LOGIN_FAILURE_LIMIT", 10)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("REDRESS_LOGIN_ADDRESS_FAILURE_LIMIT", 100)
LOGIN_LOCKOUT_MINUTES = env_int("REDRESS_LOGIN_LOCKOUT_MINUTES", 15)
# Reverse proxies in front of Redress that append to X-Forwarded-For; 0 takes the connection's address.
PROXY_COUNT = env_int("REDRESS_PROXY_COUNT", 0)
for _name, _value in [
    ("REDRESS_LOGIN_FAILURE_LIMIT", LOGIN_FAILURE_LIMIT),
    ("REDRESS_LOGIN_ADDRESS_FAILURE_LIMIT", LOGIN_ADDRESS_FAILURE_LIMIT),
    ("REDRESS_LOGIN_LOCKOUT_MINUTES", LOGIN_LOCKOUT_MINUTES),
]:
    if _value < 1:
        raise ImproperlyConfigured(f"{_name}={_value} must be 1 or more")
if PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"REDRESS_PROXY_COUNT={PROXY_COUNT} must be 0 or more")
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_HANDLER = "redress.access.lockout.AccountAndAddressHandler"
AXES_LOCKOUT_CALLABLE = "redress.access.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "redress.access.lockout.client_address"
# A lock lasts its time from the failure that set it: tries during it neither count nor prolong it, so
# nobody can keep a colleague locked out by typing wrong passwords in their name.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "username"
# axes.W006 asks for the address among the lockout parameters: the handler counts addresses itself, with a
# limit of their own (one address may be a whole branch behind its proxy). models.W040: the topics' indexes
# carry columns for PostgreSQL's index-only lookups (redress.matching.models); SQLite indexes the keys
# alone, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]
# Axes logs usernames and addresses masked (its default); the admin lists them for the administrator.
AXES_VERBOSE = False

# API tokens expire this many days after they are issued (POST /api/v1/auth/token issues a new one).
API_TOKEN_DAYS = env_int("REDRESS_API_TOKEN_DAYS", 30)
if API_TOKEN_DAYS < 1:
    raise ImproperlyConfigured(f"REDRESS_API_TOKEN_DAYS={API_TOKEN_DAYS} must be 1 or more")


def env_rate(name: str, default: str) -> tuple[int, int]:
    """A rate limit from the environment as COUNT/SECONDS, e.g. 5/3600: five requests an hour."""
    raw = (os.environ.get(name) or default).strip()
    try:
        count, seconds = (int(part) for part in raw.split("/"))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not COUNT/SECONDS, e.g. 5/3600") from exc
    if count < 1 or seconds < 1:
        raise ImproperlyConfigured(f"{name}={raw!r}: both the count and the seconds must be 1 or more")
    return count, seconds


# The shared rate limiter (redress.common.ratelimit, decision 0030): empty counts in the database (every
# worker and node on it shares the count); a redis:// URL counts in that Redis, shared by every node.
RATE_LIMIT_URL = os.environ.get("REDRESS_RATE_LIMIT_URL", "").strip()
if RATE_LIMIT_URL and not RATE_LIMIT_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDRESS_RATE_LIMIT_URL={RATE_LIMIT_URL!r} is not a redis:// URL (or empty)")
# Scope → (requests, seconds). The public pages and API (no login): reports sent per client address and by
# everyone together, and reads or additions with a receipt per client address (a wrong receipt counts too).
RATE_LIMITS = {
    "public-submit": env_rate("REDRESS_RATE_PUBLIC_SUBMIT", "5/3600"),
    "public-submit-all": env_rate("REDRESS_RATE_PUBLIC_SUBMIT_ALL", "300/3600"),
    "public-lookup": env_rate("REDRESS_RATE_PUBLIC_LOOKUP", "30/600"),
    # A complainant's look-ups of their case's state (issue 15), per client address.
    "public-status": env_rate("REDRESS_RATE_PUBLIC_STATUS", "30/600"),
}


# Who takes the reports of wrongdoing sent on the public page (a username of the supervision office); empty:
# the first supervision office member of the highest supervision office (redress.lifecycle.public_reports).
PUBLIC_REPORTS_RESPONDER = os.environ.get("REDRESS_PUBLIC_REPORTS_RESPONDER", "").strip()

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

# Served over HTTPS (a TLS-terminating proxy in front): secure cookies, redirects to https and HSTS, each
# overridable on its own. README.md "Production settings" lists them; `redress check --deploy` is clean.
HTTPS = env_bool("REDRESS_HTTPS", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("REDRESS_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("REDRESS_SSL_REDIRECT", HTTPS)
# The load balancer's health check comes over plain HTTP from inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("REDRESS_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("REDRESS_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("REDRESS_HSTS_PRELOAD", True)
# The header the proxy sets to tell a request came over https, e.g. X-Forwarded-Proto. Only name it when
# the proxy always sets it (and strips it from clients): Django then trusts it.
_proxy_ssl_header = os.environ.get("REDRESS_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere (web/redress.js, web/redress.css): what an injected tag would run or
# restyle is refused by the browser.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Idle timeout: a session unused this long ends. Activity moves the end on at most once a minute
# (redress.access.middleware.IdleSessionTimeout), so the session is not written on every request.
SESSION_IDLE_MINUTES = env_int("REDRESS_SESSION_IDLE_MINUTES", 30)
if SESSION_IDLE_MINUTES < 2:
    raise ImproperlyConfigured(f"REDRESS_SESSION_IDLE_MINUTES={SESSION_IDLE_MINUTES} must be 2 or more")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60

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
    # Lines about the public's requests carry no receipt and no address or header (redress.common.logs).
    "filters": {"public_requests": {"()": "redress.common.logs.HidePublicRequests"}},
    "root": {"handlers": ["console"], "level": os.environ.get("REDRESS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": ["public_requests"]},
    },
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
# A worker that has taken nothing for this many seconds while tasks wait in its queues stops, so that its
# supervisor starts a fresh one (redress.common.worker_watch: Celery on Redis sometimes never consumes again
# after a broker outage). 0 turns the watch off.
WORKER_STALL_SECONDS = env_int("REDRESS_WORKER_STALL_SECONDS", 300)
if WORKER_STALL_SECONDS < 0:
    raise ImproperlyConfigured(f"REDRESS_WORKER_STALL_SECONDS={WORKER_STALL_SECONDS} must be 0 or more")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Seconds between two sweeps (beat's, or the embedded setup's sidecar): a minute in production; the cluster
# tests shorten it so a retry comes within their time.
SWEEP_INTERVAL = env_int("REDRESS_SWEEP_INTERVAL", 60)
if SWEEP_INTERVAL < 1:
    raise ImproperlyConfigured(f"REDRESS_SWEEP_INTERVAL={SWEEP_INTERVAL} must be 1 or more")
# Hours a registration waits for the leader's instruction before the leader (or whoever stands in) is
# chased (P3 第八条).
INSTRUCTION_CHASE_HOURS = env_int("REDRESS_INSTRUCTION_CHASE_HOURS", 24)
CELERY_BEAT_SCHEDULE = {
    # redress.lifecycle.tasks.sweep: warnings, breaches and supervision notices.
    "sweep": {"task": "redress.sweep", "schedule": float(SWEEP_INTERVAL)},
    # Email, SMS and webhook deliveries due for a retry (or never handed to a worker).
    "retry-notifications": {
        "task": "redress.notifications.retry_webhooks",
        "schedule": float(SWEEP_INTERVAL),
    },
    # The audit trail's rows written since the last run take their places in the chain (redress.audit.chain).
    "seal-audit-chain": {"task": "redress.audit.seal", "schedule": float(SWEEP_INTERVAL)},
    # The registration suggestions relearned from the day's closed cases (redress.matching.suggest).
    "train-suggestions": {"task": "redress.train_suggestions", "schedule": crontab(hour=3, minute=15)},
    # Closed cases past their retention period anonymised, once a day (redress.retention, decision 0037).
    "retention": {"task": "redress.retention.run", "schedule": crontab(hour=2, minute=30)},
}


def _time_of_day(name: str, default: str) -> dt.time:
    value = os.environ.get(name) or default
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a time of day (HH:MM)") from None


# The daily classified reports (redress.reports.daily_report): yesterday's, sent each morning at this Beijing
# time by beat (or the embedded setup's sidecar); and the union's mailbox, which gets the top unit's report.
REPORTS_DAILY_TIME = _time_of_day("REDRESS_DAILY_REPORT_TIME", "08:00")
REPORTS_UNION_MAILBOX = os.environ.get("REDRESS_UNION_MAILBOX", "")
# The benchmark's switch only (bench/reports.py measures registration with and without the rollup): off, no
# registration or transition keeps the reports' figures (redress.reports.figures), so every report is wrong
# until `redress reports rebuild`. Never set it in a deployment.
REPORTS_MAINTAIN_FIGURES = env_bool("REDRESS_BENCH_MAINTAIN_FIGURES", True)
# The daily checks (redress.watch, P3 第九条): the people on duty are reminded from this Beijing time when a
# check of the day is still not done; the sweeper sends it, once per unit and day.
DAILY_CHECK_TIME = _time_of_day("REDRESS_DAILY_CHECK_TIME", "10:00")
# Seconds between beat's folds of the rollup's changes (redress.reports.figures.fold): every read of the
# rollup folds what is left first, so this only bounds how much a read may find to fold.
REPORTS_FOLD_INTERVAL = env_int("REDRESS_REPORTS_FOLD_INTERVAL", 5)
if REPORTS_FOLD_INTERVAL < 1:
    raise ImproperlyConfigured(f"REDRESS_REPORTS_FOLD_INTERVAL={REPORTS_FOLD_INTERVAL} must be 1 or more")
CELERY_BEAT_SCHEDULE["fold-figures"] = {
    "task": "redress.reports.fold",
    "schedule": float(REPORTS_FOLD_INTERVAL),
}
CELERY_BEAT_SCHEDULE["daily-reports"] = {
    "task": "redress.send_daily_reports",
    "schedule": crontab(hour=REPORTS_DAILY_TIME.hour, minute=REPORTS_DAILY_TIME.minute),
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
