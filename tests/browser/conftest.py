import io
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.test import override_settings


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
    site_pages = import_module("events.migrations.0002_site_pages")
    site_pages.create_pages(django_apps, None)
    call_command("load_demo", allow_demo_users=True, stdout=io.StringIO())
