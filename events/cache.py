"""Rendered public pages for visitors without a session, invalidated on every change.

A page is cached under the current "public version"; any save or delete of an event, its
parts or a registration bumps that version when its transaction commits (see the apps'
`ready()`), so the next visitor gets a fresh page. Pages also expire after
`PUBLIC_PAGE_CACHE_SECONDS`, because registration opens and closes by the clock, not by a
write. Signed-in visitors, and anyone with a message waiting, always get a freshly rendered
page. In production the cache is shared (Redis), so a bump reaches every worker of every
server; with the local-memory cache a worker's copy may lag by the timeout. The key holds no
host name: pages build their absolute addresses from SITE_URL, never from the request's Host
header, so one page serves every name the site answers to.

Signed-in visitors share the rest of the page with everyone: a page marks the parts that
depend on who asks (`<!--personal:NAME-->…<!--/personal:NAME-->`, the navigation and the
registration box). The page is cached once as a skeleton without those parts, under the same
version, and a signed-in request renders only the parts (`personal`) and fills them in.
Those parts are cheap in turn: what they show is the same for everyone with the same inputs
(state, places, what kinds of own registrations), so their HTML is kept once per distinct set
of inputs (`shared_html`), with slots the caller fills per request (names, personal links,
CSRF token): a shared entry never holds one person's data.

The events themselves as the signed-in pages read them (`selectors.published_event`) are kept
under a second, "event version", which only changes of the events app's own models bump: a
registration changes the free places a page shows, not the event, its days or its side
programme, and every submit would otherwise read the event afresh.
"""

import hashlib
import pickle
import re
import threading
import time
from collections import OrderedDict

from asgiref.local import Local
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

VERSION_KEY = "public-pages:version"
EVENT_VERSION_KEY = "public-events:version"
# The contact persons and their organisations as signed-in requests read them
# (registrations.selectors.viewer): bumped by every change to either.
PEOPLE_VERSION_KEY = "people:version"
VERSION_KEYS = [VERSION_KEY, EVENT_VERSION_KEY, PEOPLE_VERSION_KEY]
PERSONAL_PART = re.compile(r"<!--personal:([a-z-]+)-->.*?<!--/personal:\1-->", re.DOTALL)


# The versions as this request first read them: a signed-in page asks for them several times
# (the skeleton, the event, the counts, each shared part), and one request is one snapshot.
# Kept only between request_started and request_finished (see apps.py); elsewhere (tasks,
# commands) every call asks the cache.
_request = Local()


def _version(key: str) -> int:
    memo = getattr(_request, "versions", None)
    if memo is not None and key in memo:
        return memo[key]
    # All versions in one round trip: a page that needs one mostly needs the others; and with
    # them what this request said it will read (`read_along`), the session above all.
    along = getattr(_request, "along", None) or {}
    wanted = [key for key, value in along.items() if value is _PENDING]
    versions = cache.get_many([*VERSION_KEYS, *wanted])
    for wanted_key in wanted:
        along[wanted_key] = versions.pop(wanted_key, None)
    if key not in versions:
        cache.add(key, _first_version(), timeout=None)
        versions[key] = cache.get(key)
    if getattr(_request, "active", False):
        _request.versions = {**versions, **(memo or {})}
    return versions[key]


# Stands for an entry `read_along` was told of and that was not read yet.
_PENDING = object()


def read_along(key: str) -> None:
    """This request will read `key` from the cache: read it in the same round trip as the
    versions, which nearly every request reads first (the session store says so of the
    session: jahrestreffen.sessions). Only within a request; elsewhere nothing happens."""
    if getattr(_request, "active", False):
        along = getattr(_request, "along", None)
        if along is None:
            along = _request.along = {}
        along.setdefault(key, _PENDING)


def read_along_result(key: str) -> tuple[bool, object]:
    """(True, value) for a key `read_along` was told of — the value read with the versions,
    None if the cache holds none — once; (False, None) when there is nothing to hand out
    (never told, or already handed out: a second reader asks the cache itself)."""
    along = getattr(_request, "along", None)
    if not along or key not in along:
        return False, None
    if along[key] is _PENDING:
        if not getattr(_request, "versions", None):
            _version(VERSION_KEY)  # reads the versions and, with them, this key
        if along[key] is _PENDING:  # the versions had been read before: alone
            along[key] = cache.get(key)
    return True, along.pop(key)


def _first_version() -> int:
    """Where a version starts when the cache holds none (a new or emptied cache): the time in
    microseconds, so a version never comes back with other content behind it — processes
    keep local copies of entries by their versioned keys (`LocalCopies`)."""
    return time.time_ns() // 1_000


def public_version() -> int:
    return _version(VERSION_KEY)


def event_version() -> int:
    return _version(EVENT_VERSION_KEY)


def people_version() -> int:
    return _version(PEOPLE_VERSION_KEY)


def begin_request(**_kwargs) -> None:
    _request.active, _request.versions, _request.along = True, {}, {}


def read_versions_again() -> None:
    """The rest of this request reads the versions from the cache again (after a refusal
    that others' changes caused: the page then shows their state)."""
    _request.versions = {}


def end_request(**_kwargs) -> None:
    _request.active, _request.versions, _request.along = False, {}, {}


class LocalCopies:
    """The shared cache for entries whose key fixes what they hold — a key with a version
    (`public_version`, `event_version`) or a digest of everything the entry depends on —
    with a copy of each entry kept in the process after its first read.

    Such an entry is never changed under its key: a change makes a new version, hence new
    keys. So a process may answer from its own copy without asking Redis, which on a
    signed-in page saves most of the round trips (each about 0.15 ms of CPU: bench/
    findings.md). Only the versions themselves are read from the shared cache on every
    request. A copy lives at most PUBLIC_PAGE_CACHE_SECONDS, like the shared entry, for what
    changes by the clock (registration opening); at most `size` entries are kept, the least
    recently used dropped first. Objects are kept pickled, so no request can change another's
    copy; text is kept as it is. Only with a shared cache (`LOCAL_CACHE_COPIES`): with the
    local-memory cache there is nothing to save.
    """

    def __init__(self, size: int = 4096):
        self.size = size
        self._entries: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, default=None):
        return self.get_many([key]).get(key, default)

    def get_many(self, keys) -> dict:
        keys = list(keys)
        if not settings.LOCAL_CACHE_COPIES:
            return cache.get_many(keys)
        now = time.monotonic()
        found, missing = {}, []
        with self._lock:
            for key in keys:
                entry = self._entries.get(key)
                if entry is not None and entry[0] > now:
                    self._entries.move_to_end(key)
                    found[key] = _thawed(entry[1])
                else:
                    missing.append(key)
        if missing:
            remote = cache.get_many(missing)
            self._keep(remote, settings.PUBLIC_PAGE_CACHE_SECONDS)
            found.update(remote)
        return found

    def set(self, key: str, value, timeout: int) -> None:
        self.set_many({key: value}, timeout)

    def set_many(self, values: dict, timeout: int) -> None:
        cache.set_many(values, timeout=timeout)
        if settings.LOCAL_CACHE_COPIES:
            self._keep(values, timeout)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _keep(self, values: dict, timeout: int) -> None:
        if not values:
            return
        expires = time.monotonic() + min(timeout, settings.PUBLIC_PAGE_CACHE_SECONDS)
        frozen = {key: _frozen(value) for key, value in values.items()}
        with self._lock:
            for key, value in frozen.items():
                self._entries[key] = (expires, value)
                self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


class _Pickled(bytes):
    """An object kept as its pickle (plain bytes are kept as they are)."""


def _frozen(value):
    return value if isinstance(value, str | bytes) else _Pickled(pickle.dumps(value, -1))


def _thawed(value):
    return pickle.loads(value) if isinstance(value, _Pickled) else value  # noqa: S301 (our own)


versioned = LocalCopies()


def invalidate_public_pages(*, using=None, **_kwargs) -> None:
    """Receiver-compatible: every cached public page is stale once the change is committed.

    At the commit, not at the save: between the two, another server (or thread) still reads
    the old state from the database, and a page it rendered then would be kept under the new
    version, showing the old state until it expires. Outside a transaction: at once.
    """
    transaction.on_commit(bump_public_version, using=using)


def invalidate_event_pages(*, using=None, **_kwargs) -> None:
    """Receiver-compatible, for the events app's own models: the pages and the cached events
    (`event_version`) are stale once the change is committed."""
    transaction.on_commit(bump_event_version, using=using)


def _bump(key: str) -> None:
    _request.versions = {}  # a request that changed something reads its own change
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, _first_version(), timeout=None)


def bump_public_version() -> None:
    _bump(VERSION_KEY)


def bump_event_version() -> None:
    _bump(EVENT_VERSION_KEY)
    _bump(VERSION_KEY)


def bump_people_version() -> None:
    _bump(PEOPLE_VERSION_KEY)


def _cacheable(request, methods=("GET", "HEAD")) -> bool:
    return (
        settings.PUBLIC_PAGE_CACHE_SECONDS > 0
        and request.method in methods
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.GET
    )


def personal_part(name: str, html: str) -> str:
    """A part of a page that depends on who asks, marked for `cached_page`."""
    return f"<!--personal:{name}-->{html}<!--/personal:{name}-->"


# Answers built from templates alone, per process: (name, language) -> (expires, content).
_STATIC_ANSWERS: dict[tuple[str, str], tuple[float, bytes]] = {}


def cached_static_answer(request, name: str, render):
    """The answer to a POST that says the same to everyone without a session ("we have sent
    you a link"): the POST's work is done, only the page is shared. It shows nothing from the
    database (only templates and the language), so no change can make it stale: it is kept in
    the process itself, without a cache round trip, for PUBLIC_PAGE_CACHE_SECONDS (a new
    release restarts the processes anyway)."""
    if not _cacheable(request, methods=("POST",)):
        return _varies_by_cookie(render())
    key = (name, get_language())
    hit = _STATIC_ANSWERS.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return _varies_by_cookie(HttpResponse(hit[1]))
    response = render()
    if response.status_code == 200 and not response.cookies:
        _STATIC_ANSWERS[key] = (now + settings.PUBLIC_PAGE_CACHE_SECONDS, response.content)
    return _varies_by_cookie(response)


def cached_page(request, name: str, render, personal=None):
    """The response of `render()` for `name`, from the cache where possible.

    Every answer says it depends on the cookies (`Vary: Cookie`), cached or not: a page kept
    by a browser or proxy for a visitor without a session must not be shown after sign-in.
    The language comes from the URL (/en/…), so it needs no Vary of its own.
    """
    if not _cacheable(request):
        if personal is not None and shares_skeleton(request):
            return _varies_by_cookie(_personal_page(request, name, render, personal))
        return _varies_by_cookie(render())
    return _from_cache(name, render)


def personal_page(request, name: str, render, personal):
    """`cached_page` for a page only signed-in visitors get (the registration form): from
    the shared skeleton where possible, otherwise `render()`; never the public cache."""
    if shares_skeleton(request):
        return _personal_page(request, name, render, personal)
    return render()


def shared_html(inputs: list, render) -> str:
    """HTML that is the same for every request with the same `inputs` (everything it
    depends on besides the public version and the language, as plain values), rendered
    once per change (`render()`) and kept for PUBLIC_PAGE_CACHE_SECONDS. The caller leaves
    slots for what belongs to one request and fills them in each time."""
    seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
    if seconds <= 0:
        return render()
    state = repr([public_version(), get_language(), *inputs])
    key = "shared-html:" + hashlib.sha256(state.encode()).hexdigest()
    html = versioned.get(key)
    if html is None:
        html = render()
        versioned.set(key, html, timeout=seconds)
    return html


def _from_cache(name: str, render):
    key = f"public-pages:{public_version()}:{get_language()}:{name}"
    content = versioned.get(key)
    if content is not None:
        return _varies_by_cookie(HttpResponse(content))
    response = render()
    if response.status_code == 200 and not response.cookies:
        versioned.set(key, response.content, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
    return _varies_by_cookie(response)


def _varies_by_cookie(response):
    patch_vary_headers(response, ["Cookie"])
    return response


def shares_skeleton(request) -> bool:
    """A request whose page may come from shared parts with per-request slots: a GET with no
    message waiting (messages are shown outside the parts) and no query string, while
    pages are cached at all. The manage page and my registrations ask the same."""
    return (
        settings.PUBLIC_PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and "messages" not in request.COOKIES
        and not request.GET
        and not len(get_messages(request))
    )


def _skeleton(content: str) -> list[str]:
    """The page cut at its personal parts: text, name, text, name, …, text."""
    parts, last = [], 0
    for match in PERSONAL_PART.finditer(content):
        parts += [content[last : match.start()], match.group(1)]
        last = match.end()
    parts.append(content[last:])
    return parts


def _personal_page(request, name: str, render, personal):
    """The page from the cached skeleton with the parts `personal()` renders for this
    request; the first request after a change renders the whole page and leaves the
    skeleton. The parts may hold personal links: no shared cache may keep the answer."""
    key = f"personal-pages:{public_version()}:{get_language()}:{name}"
    skeleton = versioned.get(key)
    parts = personal() if skeleton is not None else {}
    if skeleton is None or not set(skeleton[1::2]) <= parts.keys():
        response = render()
        skeleton = _skeleton(response.content.decode(response.charset))
        # A CSRF token outside the personal parts belongs to this session: never shared.
        shareable = not any("csrfmiddlewaretoken" in piece for piece in skeleton[::2])
        if response.status_code == 200 and not response.cookies and shareable:
            versioned.set(key, skeleton, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
    else:
        response = HttpResponse(
            "".join(
                personal_part(piece, parts[piece]) if i % 2 else piece
                for i, piece in enumerate(skeleton)
            )
        )
    patch_cache_control(response, private=True, no_store=True)
    return response
