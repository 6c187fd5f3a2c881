"""Settings for the tenant console, read from the environment (12-factor).

Every variable is optional for local use: with none set (and ``DEBUG=true``)
the console runs on a SQLite file, runs tasks in-process and prints emails.
Production (``DEBUG`` false) requires ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-only")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
else:
    # Production values have no defaults: a missing one stops the process.
    SECRET_KEY = env("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
COMMUNITY_URL = env("COMMUNITY_URL", default="https://discord.gg/logto")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_htmx",
    "console.accounts",
    "console.pages",
    "tenants",
    "members",
    "invitations",
    "console.onboarding",
    "console.webhooks",
    "ninja",  # the API docs page's templates and assets, served from the package
    "console.api",
    "console.sso",
    "console.scim",
    # Accounts: django-allauth (account, mfa, usersessions, and socialaccount's
    # OpenID Connect provider for console.sso); see "Accounts" below.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
]

MIDDLEWARE = [
    # First: the request id and the request's log line cover everything below.
    "console.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "console.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language) or the anonymous visitor's
    # django_language cookie; console.accounts.middleware.UserPreferencesMiddleware
    # (after authentication, below) then applies a signed-in person's saved choice.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "console.accounts.middleware.UserSessionSeenMiddleware",
    # A signed-in person's saved language and time zone (see "Languages" below).
    "console.accounts.middleware.UserPreferencesMiddleware",
]

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"

CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "console.context_processors.console",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": CONTEXT_PROCESSORS,
            "libraries": {"console": "console.templatetags"},
        },
    },
    # The header and the long tables (console/jinja.py): asked for by name
    # (``{% jinja %}``, ``using="jinja2"``), after the Django templates.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "console.jinja.environment",
            "context_processors": [
                *CONTEXT_PROCESSORS,
                "console.context_processors.jinja_csrf_input",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# Behind PgBouncer in transaction mode (DATABASE_POOLING=pgbouncer) consecutive
# transactions of one connection may run on different server connections: no
# server-side cursors (a named cursor lives across transactions) and no
# prepared statements (psycopg 3 prepares a query run 5 times on a connection;
# None: never). The console keeps no other session state: no advisory locks,
# no SET except Django's own SET TIME ZONE, which PgBouncer tracks and replays.
DATABASE_POOLING = env("DATABASE_POOLING", default="")
if DATABASE_POOLING not in {"", "pgbouncer"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"DATABASE_POOLING is '' or 'pgbouncer', not {DATABASE_POOLING!r}")
if DATABASE_POOLING == "pgbouncer":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions live in the database so the console keeps serving while Redis is down.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            # Fails open while Redis is down (console/cache.py): rate limits
            # then let requests through with a logged warning.
            "BACKEND": "console.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            # A dead Redis must not hang a request: fail fast, then fail open.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rendered tenant pages, per worker process: keyed by versions the database
# keeps, so no worker can serve a page older than a committed change
# (console/page_cache.py). About 40 KB a page.
# Off (0) under DEBUG, so an edited template shows on the next reload.
PAGE_CACHE_ENTRIES = env.int("PAGE_CACHE_ENTRIES", default=0 if DEBUG else 1000)
CACHES["pages"] = (
    {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": PAGE_CACHE_ENTRIES},
    }
    if PAGE_CACHE_ENTRIES
    else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
)
# Every cache hit rendered afresh and compared with the stored page; a
# difference (a model shown on a page that advances no version) raises.
# On in the test suite (tests/settings.py); costs a render per hit.
PAGE_CACHE_VERIFY = env.bool("PAGE_CACHE_VERIFY", default=False)

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: printed to the console unless EMAIL_URL names an SMTP server.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Tenant Console <console@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Request size: the invite form takes at most 1,000 addresses (about 256 KB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# Celery ------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in-process so the console needs no services.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Crash recovery within 3 minutes (SPEC, Jobs) sets these timings together:
# a send whose worker died is taken over once its claim is older than the
# lease, by the next outbox sweep. So: lease (130 s) + sweep interval (20 s)
# = 150 s, leaving 30 s for the new worker's send. The lease must outlast the
# longest live send (the hard time limit, 60 s; an email takes well under a
# second, and EMAIL_TIMEOUT bounds each SMTP step) plus the longest retry
# wait (64 s), so a live send or a scheduled retry is never taken over.
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_SOFT_TIME_LIMIT = 50
# Redelivery of an unacknowledged task (its worker was killed) happens after
# the visibility timeout; it must be well above the task time limit so a slow
# task is never run twice concurrently. Workers look for such messages every
# CELERY_UNACKED_RESTORE_SECONDS. Tests shorten both to see a redelivery.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_SECONDS", default=60),
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection before and after every
# task unless told to reuse it: a new PostgreSQL connection per email was most
# of a send's time (bench/run). Reuse it; console/celery.py drops a broken or
# CONN_MAX_AGE-old connection between tasks, as Django does between requests.
CELERY_DB_REUSE_MAX = 1000

# The invitation email outbox (read at call time, see invitations.outbox; the
# defaults live here only): a send claimed longer ago than the lease belongs
# to a dead worker and may be taken over; retries wait BACKOFF, 2x, 4x ... 16x
# seconds. The lease must stay above the task time limit plus the longest
# backoff (60 + 64 < 130), and lease + sweep interval under 3 minutes (see
# CELERY_TASK_TIME_LIMIT): the system check invitations.checks says so at start.
INVITATION_EMAIL_LEASE_SECONDS = env.int("INVITATION_EMAIL_LEASE_SECONDS", default=130)
INVITATION_EMAIL_RETRY_BACKOFF_SECONDS = env.float(
    "INVITATION_EMAIL_RETRY_BACKOFF_SECONDS", default=4.0
)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Every 10 minutes: mark Pending invitations past their expiry as Expired.
    "expire-stale-invitations": {
        "task": "invitations.tasks.expire_stale_invitations",
        "schedule": crontab(minute="*/10"),
    },
    # Every 20 seconds: re-enqueue invitation emails not yet delivered (outbox
    # sweep; one indexed query). The interval counts in crash recovery's 3 minutes.
    "sweep-invitation-outbox": {
        "task": "invitations.tasks.sweep_invitation_outbox",
        "schedule": timedelta(seconds=20),
    },
    # Hourly: delete superseded-link records past their invitation's expiry
    # (bounded batches, see invitations.expiry.superseded_links_purge), so the
    # table holds only links that can still be presented.
    "purge-superseded-links": {
        "task": "invitations.tasks.purge_superseded_links",
        "schedule": crontab(minute=23),
    },
}

# Beat: with Redis, the schedule and a lock live in Redis (celery-redbeat), so
# two beat processes may run on two machines: the one holding the lock
# schedules, the other waits for it. The holder renews the lock every tick (at
# most every CELERY_BEAT_MAX_LOOP_INTERVAL seconds); a dead holder's lock
# expires after REDBEAT_LOCK_TIMEOUT and the standby, retrying every max loop
# interval, takes over: within 30 + 5 = 35 seconds, under the promised minute.
# Without Redis, Celery's own file scheduler (one beat), and the web process
# runs the same schedule in-process (console.local_beat).
if REDIS_URL:
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = REDIS_URL
    CELERY_REDBEAT_KEY_PREFIX = env("REDBEAT_KEY_PREFIX", default="redbeat:")
    CELERY_REDBEAT_LOCK_TIMEOUT = env.int("REDBEAT_LOCK_TIMEOUT", default=30)
    CELERY_BEAT_MAX_LOOP_INTERVAL = 5
# With no broker (make run: tasks in-process), the first request to the web
# process starts a scheduler thread that runs CELERY_BEAT_SCHEDULE itself, so
# webhook retries, the outbox sweeps and expiry still happen. Tests turn it off.
LOCAL_BEAT = env.bool("LOCAL_BEAT", default=not REDIS_URL)

# Abuse limits ------------------------------------------------------------
# Counted in the cache (console.ratelimit); while Redis is down they fail open
# with a logged warning. Past a limit: the 429 page, nothing sent. Sign-in,
# code and reset limits are allauth's (ACCOUNT_RATE_LIMITS, below).
# New invitations per 24 hours. One submission may hold 1,000 addresses, so
# the inviter and tenant limits stay above that; the per-address limit counts
# every invitation email to the address (first sends and resends, across all
# tenants), so nobody can use the console to flood one mailbox.
INVITATIONS_PER_INVITER_PER_DAY = env.int("INVITATIONS_PER_INVITER_PER_DAY", default=2000)
INVITATIONS_PER_TENANT_PER_DAY = env.int("INVITATIONS_PER_TENANT_PER_DAY", default=5000)
INVITATIONS_PER_ADDRESS_PER_DAY = env.int("INVITATIONS_PER_ADDRESS_PER_DAY", default=5)
# Join and invite requests one person may make per 24 hours (all tenants).
ACCESS_REQUESTS_PER_PERSON_PER_DAY = env.int("ACCESS_REQUESTS_PER_PERSON_PER_DAY", default=10)

# Activity log ------------------------------------------------------------
# Activity entries and accounts' security events older than this many days
# are purged by the beat job (tenants.tasks.purge_old_activity).
ACTIVITY_RETENTION_DAYS = env.int("ACTIVITY_RETENTION_DAYS", default=400)
# Daily at 03:17 (off the hour, away from other jobs): delete entries past the
# retention, in bounded id-range batches (tenants.services.activity_purge_old).
# Records "Other sessions signed out" on the account's Security page (allauth
# sends no signal for it); used once allauth.usersessions is installed.
USERSESSIONS_ADAPTER = "console.accounts.sessions.SecurityEventsUserSessionsAdapter"
CELERY_BEAT_SCHEDULE["purge-old-activity"] = {
    "task": "tenants.tasks.purge_old_activity",
    "schedule": crontab(hour=3, minute=17),
}
# Daily at 03:29: delete join and invite requests decided longer ago than the
# activity retention (invitations.request_history.access_requests_purge_decided).
CELERY_BEAT_SCHEDULE["purge-decided-requests"] = {
    "task": "invitations.tasks.purge_decided_requests",
    "schedule": crontab(hour=3, minute=29),
}

# Verified domains ----------------------------------------------------------
# Where domain verification looks up its TXT record (tenants.domain_dns):
# comma-separated `host` or `host:port` (`[v6]:port`); empty: the system's resolvers.
DNS_NAMESERVERS = env.list("DNS_NAMESERVERS", default=[])
# One lookup gives up after this long and says the name servers did not answer.
DNS_TIMEOUT_SECONDS = env.float("DNS_TIMEOUT_SECONDS", default=5.0)

# Single sign-on (console.sso) ----------------------------------------------
# Issuers (discovery, token, keys) on private, loopback or link-local
# addresses, and plain http to them: development and tests only (console.outbound).
SSO_ALLOW_PRIVATE_URLS = env.bool("SSO_ALLOW_PRIVATE_URLS", default=False)
SSO_TIMEOUT_SECONDS = env.float("SSO_TIMEOUT_SECONDS", default=5.0)
# Fernet keys for client secrets at rest, comma-separated: the first encrypts,
# all decrypt (rotation: put a new key first). Default: one derived from SECRET_KEY.
SSO_ENCRYPTION_KEYS = env.list(
    "SSO_ENCRYPTION_KEYS",
    default=[
        base64.urlsafe_b64encode(
            hashlib.sha256(b"console.sso.encryption:" + SECRET_KEY.encode()).digest()
        ).decode()
    ],
)

# Webhooks ----------------------------------------------------------------
# Private, loopback and link-local receivers (and plain http to them) are
# refused unless this is on: development and tests only (console.webhooks.guard).
WEBHOOKS_ALLOW_PRIVATE_URLS = env.bool("WEBHOOKS_ALLOW_PRIVATE_URLS", default=False)
# An endpoint whose deliveries fail this many times in a row is disabled and
# its tenant's admins are emailed.
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=50)
# Attempts per delivery, and the first wait between them (then x4, at most 6 h).
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BACKOFF_SECONDS = env.float("WEBHOOK_RETRY_BACKOFF_SECONDS", default=30.0)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# A claimed delivery older than this belongs to a dead worker (above CELERY_TASK_TIME_LIMIT).
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=300)
# Extra CA certificates for https receivers (a file path; empty: the system's).
WEBHOOK_CA_BUNDLE = env("WEBHOOK_CA_BUNDLE", default="")
# Every minute: enqueue webhook deliveries that are due with no live task.
CELERY_BEAT_SCHEDULE["sweep-webhook-outbox"] = {
    "task": "console.webhooks.tasks.sweep_webhook_outbox",
    "schedule": timedelta(minutes=1),
}
# Daily at 03:41 (away from the activity purge): attempts and finished
# deliveries older than 30 days, in bounded batches.
CELERY_BEAT_SCHEDULE["purge-webhook-history"] = {
    "task": "console.webhooks.tasks.purge_webhook_history",
    "schedule": crontab(hour=3, minute=41),
}

# Security ----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

# Logs: one JSON object per line (console.observability) unless LOG_FORMAT=plain,
# the local default. Each line carries the request id; requests and Celery
# tasks each write one line (loggers console.request and console.task).
LOG_FORMAT = env("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "console.observability.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Error reporting: Sentry (Django and Celery) when SENTRY_DSN is set, else nothing.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from console.observability import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# The JSON API (console.api) ----------------------------------------------
# Requests per key per minute, counted in the cache (fails open like the other
# limits); past it: 429 with Retry-After. One integration polling every list
# once a second stays far below it.
API_REQUESTS_PER_KEY_PER_MINUTE = env.int("API_REQUESTS_PER_KEY_PER_MINUTE", default=600)

# Accounts: django-allauth (account, mfa, usersessions) -------------------
# A confirmed address is allauth's EmailAddress.verified; see console.accounts.
# (The apps and middleware are in INSTALLED_APPS and MIDDLEWARE above.)
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_ADAPTER = "console.accounts.adapter.AccountAdapter"
# Per-tenant single sign-on: secrets from console.sso, outbound calls guarded.
SOCIALACCOUNT_ADAPTER = "console.sso.adapter.SocialAccountAdapter"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
ACCOUNT_FORMS = {
    "signup": "console.onboarding.forms.SignupForm",
    "login": "console.accounts.forms.LoginForm",
    "reset_password_from_key": "console.accounts.forms.ResetPasswordKeyForm",
    "change_password": "console.accounts.forms.ChangePasswordForm",
}
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_LOGOUT_REDIRECT_URL = "accounts:login"
ACCOUNT_SIGNUP_REDIRECT_URL = "home"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_EMAIL_NOTIFICATIONS = True  # security notices (password/email changed) to the owner
# Changing the password keeps this session (allauth updates its auth hash)
# and so signs out every other one: Django drops sessions whose stored hash
# no longer matches the password.
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Refreshed every few minutes by console.accounts.middleware instead of on every request.
USERSESSIONS_TRACK_ACTIVITY = False

# Client address: how many proxies in front of the console append to
# X-Forwarded-For (0: none, the header is ignored). Read by console.client_ip
# for our limits and, through the adapter and this setting, by allauth's.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# allauth's rate limits, the one mechanism for sign-in, codes and resets
# (counted in the cache, per client address and per typed address "key").
# Failed sign-ins: 10 per address and 50 per client in 15 minutes (then a
# 429 page even for the right password, which itself never counts). Reset emails:
# 3 per address and 20 per client an hour, so the form cannot flood a mailbox.
# Codes: a confirmation code at most every 10 s per address and 30 an hour
# per client (past either: 429, no email), 3 wrong codes per code.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "50/15m/ip,10/15m/key",
    "reset_password": "20/h/ip,3/h/key",
    "confirm_email": "1/10s/key,30/h/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
}
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 3
# "Send a new code" on the confirmation page, at most 5 times (and 1 per 10 s, above).
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = 5
# A reset asked for an address with no account sends nothing (it would mail strangers).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False

# Two-step verification (allauth.mfa): authenticator app (TOTP, 6 digits,
# 30 s) with 10 recovery codes, and passkeys (WebAuthn), which can also sign
# in on their own. The relying party is the request's host (allauth's
# default), so http://localhost works in development; WebAuthn itself refuses
# IP addresses. Plain http is accepted only when DEBUG (and in tests).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Tenant Console"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=DEBUG)
# One address per account, changed in place: the new one is confirmed by code
# before it replaces the old, and the old one is told (a security notice).
ACCOUNT_CHANGE_EMAIL = True

# Languages and time zones (SPEC) -----------------------------------------
# The console and its emails in English, German and French. A signed-in
# person's saved language wins, else the anonymous visitor's cookie or the
# browser's Accept-Language (LocaleMiddleware), else English.

LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# 1,000 and 1.000 and 1 000: counts and prices follow the locale.
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["console.formats"]
