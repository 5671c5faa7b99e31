import pytest
from django.core.cache import cache
from django.utils import translation


@pytest.fixture(autouse=True)
def _fresh_state():
    """Rate-limit counters live in the cache; requests under /en/ leave English active."""
    cache.clear()
    with translation.override("de"):
        yield
    cache.clear()
