import pytest
from django.test import override_settings


@pytest.fixture(scope="session", autouse=True)
def _plain_http_live_server():
    # SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the session-wide live server
    # builds its middleware, so the per-test settings in tests/conftest.py come too late.
    with override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0):
        yield
