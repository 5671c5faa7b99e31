import os
import shutil

import pytest

from jahrestreffen import proxies

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run there
# unless told it is safe. Test-only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Pages render fresh in tests; tests/events/test_page_cache.py turns the cache on.
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    # The warning about an unexpected X-Forwarded-For is once per process; each test starts
    # as if none had come yet.
    proxies.forget_unexpected_forwarded_header()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {
        **browser_type_launch_args,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if chromium:  # elsewhere, Playwright's own browser (`playwright install chromium`)
        args["executable_path"] = chromium
    return args


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("staff", "staff@example.org", "pw-staff-123")
    client.force_login(user)
    return client
