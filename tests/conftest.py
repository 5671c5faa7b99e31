import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import translation

from jahrestreffen import proxies

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run there
# unless told it is safe. Test-only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _stale_catalogues() -> list[str]:
    """Languages whose compiled catalogue is missing or older than its .po (.mo files are not
    in git, so a fresh clone has none, and the German pages would show English)."""
    stale = set()
    for locale_dir in settings.LOCALE_PATHS:
        for po in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                stale.add(po.parent.parent.name)
    return sorted(stale)


def pytest_sessionstart(session):
    """Compile the translations before any test runs, once: in the main process only, before
    pytest-xdist starts its workers (which would otherwise write the same files at once)."""
    if hasattr(session.config, "workerinput"):
        return
    languages = _stale_catalogues()
    if not languages:
        return
    cwd = os.getcwd()
    os.chdir(settings.BASE_DIR)  # compilemessages also walks the working directory
    try:
        call_command(
            "compilemessages",
            locale=languages,
            ignore_patterns=[".venv", ".git", "node_modules", "staticfiles"],
            verbosity=0,
        )
    except CommandError as exc:
        raise pytest.UsageError(
            f"Translations could not be compiled ({exc}); install gettext (msgfmt)."
        ) from exc
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="session")
def _materials_root(tmp_path_factory):
    return tmp_path_factory.mktemp("materials")


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts, and leaves, in the site's language: a test that activates English
    and forgets to deactivate it would otherwise make the next one's factories write English
    texts (django-modeltranslation writes the active language's column)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _test_settings(settings, _materials_root):
    # Rate-limit counters live in the cache: every test starts with none.
    cache.clear()
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        # Uploaded materials go to a temporary folder, never into the project.
        "materials": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(_materials_root), "base_url": "/admin/unterlagen/"},
        },
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
