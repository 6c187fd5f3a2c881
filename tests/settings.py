"""Test settings: the real settings with test-only secrets and speedups.

``DATABASE_URL`` and ``REDIS_URL`` still come from the environment, so the
same suite runs on SQLite locally and on PostgreSQL + Redis in CI.
"""

import os
from urllib.parse import urlparse

# pytest-xdist: pytest-django gives each worker process its own test database
# (test_<name>_gw0, ...); give each its own Redis database too, so one worker's
# Celery queue, rate limits and sweeps never meet another's.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker and os.environ.get("REDIS_URL"):
    _redis = urlparse(os.environ["REDIS_URL"])
    _base_db = int(_redis.path.lstrip("/") or 0)
    _worker_db = (_base_db + 1 + int(_xdist_worker.removeprefix("gw"))) % 16
    os.environ["REDIS_URL"] = _redis._replace(path=f"/{_worker_db}").geturl()

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SITE_URL", "http://testserver")

from console.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Tasks run in-process unless a test starts a real worker (see tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# The page cache on, and every hit checked against a fresh render (a model
# shown on a cached page that advances no version fails the test that shows it).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}
PAGE_CACHE_VERIFY = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the live server and Chromium talk plain http
LOCAL_BEAT = False  # the in-process scheduler (console.local_beat) only where a test asks
