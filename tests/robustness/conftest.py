import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _german():
    """Requests under /en/ leave English active in the test thread; reset it for reverse()."""
    with translation.override("de"):
        yield
