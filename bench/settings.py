"""The benchmark's settings: production settings plus the bench's own app and URLs.

``bench/run`` (and the processes it starts) use ``DJANGO_SETTINGS_MODULE=bench.settings``
so that nothing the benchmark needs lives in production code.
"""

from console.settings import *  # noqa: F403

# seed_scale's management command.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
# console.urls plus /bench/baseline/.
ROOT_URLCONF = "bench.urls"
