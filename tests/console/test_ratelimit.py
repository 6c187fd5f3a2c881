import logging

import pytest
from django.core.cache import cache

from console import ratelimit

LIMIT = ratelimit.Limit("test", max_hits=3, window_seconds=60)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def test_allows_up_to_the_limit_then_refuses():
    for _ in range(3):
        ratelimit.check_and_record(LIMIT, "alice", "slow down")
    with pytest.raises(ratelimit.RateLimited, match="slow down"):
        ratelimit.check_and_record(LIMIT, "alice", "slow down")


def test_subjects_are_counted_apart():
    for _ in range(3):
        ratelimit.record(LIMIT, "alice")
    assert ratelimit.allows(LIMIT, "bob")
    assert not ratelimit.allows(LIMIT, "alice")


def test_a_cost_larger_than_what_is_left_is_refused():
    ratelimit.record(LIMIT, "alice", cost=2)
    assert not ratelimit.allows(LIMIT, "alice", cost=2)
    assert ratelimit.allows(LIMIT, "alice", cost=1)


def test_fails_open_with_a_warning_when_the_cache_is_down(settings, caplog):
    settings.CACHES = {
        **settings.CACHES,  # the page cache stays
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    with caplog.at_level(logging.WARNING, logger="console.ratelimit"):
        for _ in range(5):
            ratelimit.check_and_record(LIMIT, "alice", "slow down")
    assert "failing open" in caplog.text


# -- The project's cache backend (console/cache.py) -------------------------------------------

DOWN = {
    "default": {
        "BACKEND": "console.cache.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # a closed loopback port: Redis is "down"
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def test_the_fail_open_cache_acts_as_a_miss_while_redis_is_down(settings, caplog):
    settings.CACHES = {**settings.CACHES, **DOWN}
    with caplog.at_level(logging.WARNING, logger="console.cache"):
        assert cache.get("k", "default") == "default"
        assert cache.get_many(["a", "b"]) == {}
        assert cache.add("lock", True) is True  # allauth's lock must not spin, then refuse
        cache.set("k", 1)
        assert cache.incr("n", 3) == 3
        assert cache.delete("k") is False
        assert cache.has_key("k") is False
    assert caplog.text.count("failing open") >= 7


def test_the_fail_open_cache_works_as_redis_when_up(redis_url, settings):
    settings.CACHES = {
        **settings.CACHES,  # the page cache stays
        "default": {"BACKEND": "console.cache.FailOpenRedisCache", "LOCATION": redis_url},
    }
    cache.set("fail-open-test", 41)
    assert cache.incr("fail-open-test") == 42
    cache.delete("fail-open-test")
