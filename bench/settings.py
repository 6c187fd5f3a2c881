"""The benchmark's settings: production settings plus the bench's own app and URLs.

``bench/run`` (and the processes it starts) use ``DJANGO_SETTINGS_MODULE=bench.settings``
so that nothing the benchmark needs lives in production code.
"""

from console.settings import *  # noqa: F403

# seed_scale's management command.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
# console.urls plus /bench/baseline/.
ROOT_URLCONF = "bench.urls"

# bench/bench.py's bench_i18n() serves the Members page once with translation
# machinery off, to measure what USE_I18N costs (console.settings keeps it on).
USE_I18N = env.bool("BENCH_USE_I18N", default=True)  # noqa: F405
