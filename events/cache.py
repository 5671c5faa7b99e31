"""Rendered public pages for visitors without a session, invalidated on every change.

A page is cached under the current "public version"; any save or delete of an event, its
parts or a registration bumps that version when its transaction commits (see the apps'
`ready()`), so the next visitor gets a fresh page. Pages also expire after
`PUBLIC_PAGE_CACHE_SECONDS`, because registration opens and closes by the clock, not by a
write. Signed-in visitors, and anyone with a message waiting, always get a freshly rendered
page. In production the cache is shared (Redis), so a bump reaches every worker of every
server (the page's key holds the host name, the same behind one load balancer); with the
local-memory cache a worker's copy may lag by the timeout.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

VERSION_KEY = "public-pages:version"


def public_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def invalidate_public_pages(*, using=None, **_kwargs) -> None:
    """Receiver-compatible: every cached public page is stale once the change is committed.

    At the commit, not at the save: between the two, another server (or thread) still reads
    the old state from the database, and a page it rendered then would be kept under the new
    version, showing the old state until it expires. Outside a transaction: at once.
    """
    transaction.on_commit(bump_public_version, using=using)


def bump_public_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def _cacheable(request) -> bool:
    return (
        settings.PUBLIC_PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.GET
    )


def cached_page(request, name: str, render):
    """The response of `render()` for `name`, from the cache where possible.

    Every answer says it depends on the cookies (`Vary: Cookie`), cached or not: a page kept
    by a browser or proxy for a visitor without a session must not be shown after sign-in.
    The language comes from the URL (/en/…), so it needs no Vary of its own.
    """
    if not _cacheable(request):
        return _varies_by_cookie(render())
    key = f"public-pages:{public_version()}:{get_language()}:{name}"
    content = cache.get(key)
    if content is not None:
        return _varies_by_cookie(HttpResponse(content))
    response = render()
    if response.status_code == 200 and not response.cookies:
        cache.set(key, response.content, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
    return _varies_by_cookie(response)


def _varies_by_cookie(response):
    patch_vary_headers(response, ["Cookie"])
    return response
