import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.site.pages import create_site_pages


@pytest.fixture(scope="session", autouse=True)
def _plain_http_live_server():
    # SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the session-wide live server
    # builds its middleware, so the per-test settings in tests/conftest.py come too late.
    with override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0):
        yield


@pytest.fixture
def demo(transactional_db):
    # live_server answers from another thread, so the data must be committed (transactional_db).
    # Its flush after each test also empties the site pages the migration created; recreate them.
    create_site_pages()
    call_command("load_demo", allow_demo_users=True, stdout=io.StringIO())
