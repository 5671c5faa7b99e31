"""Rate limits on the shared cache production uses (Redis through django-redis): one round
trip per count, the same limits and windows as with any other cache."""

import uuid

import pytest
from django.core.cache import cache
from django.test import override_settings

from registrations.services import ratelimit
from tests.scaleout.conftest import _connect_redis, redis_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache():
    _connect_redis()  # fails with a clear message where Redis is missing
    location = redis_url()
    prefix = f"test-{uuid.uuid4().hex}"
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": location,
                "KEY_PREFIX": prefix,
            }
        }
    ):
        yield cache
        cache.delete_pattern("*")


def test_the_count_stops_at_the_limit_and_expires_with_the_window(redis_cache):
    hits = [ratelimit._hit("rl:test", limit=3, window=120) for _ in range(5)]

    assert hits == [True, True, True, False, False]
    assert redis_cache.get("rl:test") == 5  # the counter is the cache's own value
    assert 0 < redis_cache.ttl("rl:test") <= 120


def test_counting_does_not_prolong_the_window(redis_cache):
    ratelimit._hit("rl:window", limit=10, window=120)
    redis_cache.expire("rl:window", 5)
    ratelimit._hit("rl:window", limit=10, window=120)

    assert redis_cache.ttl("rl:window") <= 5


def test_one_round_trip_per_count(redis_cache, monkeypatch):
    calls = []
    client = redis_cache.client.get_client(write=True)
    real = type(client).pipeline

    def pipeline(self, *args, **kwargs):
        calls.append("pipeline")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(client), "pipeline", pipeline)
    ratelimit._hit("rl:trips", limit=10, window=60)
    assert calls == ["pipeline"]


def test_the_sign_in_limit_per_client_holds_on_redis(redis_cache, client, settings):
    settings.SIGN_IN_RATE_PER_IP = 2
    answers = [
        client.post("/anmelden/", {"email": f"p{i}@example.org"}).status_code for i in range(3)
    ]
    assert answers == [200, 200, 429]
