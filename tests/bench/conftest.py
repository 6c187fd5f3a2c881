import pytest


@pytest.fixture(autouse=True)
def bench_settings(settings):
    """The bench's tests run under bench.settings' apps and URLs, as bench/run does."""
    from bench import settings as bench

    settings.INSTALLED_APPS = bench.INSTALLED_APPS
    settings.ROOT_URLCONF = bench.ROOT_URLCONF
