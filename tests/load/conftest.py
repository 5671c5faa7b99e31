"""Concurrent requests over HTTP against the live server (pytest-django's `live_server`).

Each simulated browser has its own server-side session (a signed-in contact person, as the
sign-in link would leave it) and its own CSRF cookie with the matching form token, and sends
its request on its own connection from a thread pool.
"""

import http.client
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test import override_settings
from django.utils.crypto import get_random_string

from registrations.middleware import SESSION_KEY


@pytest.fixture(scope="session", autouse=True)
def _plain_http_live_server():
    # SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the session-wide live server
    # builds its middleware, so the per-test settings in tests/conftest.py come too late.
    with override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0):
        yield


@pytest.fixture
def database_task_queue(settings):
    """Mail goes through the database queue as in production; no worker runs here."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


@pytest.fixture
def one_request_at_a_time_on_sqlite(monkeypatch, transactional_db):
    """SQLite's test database lives in memory, on one connection that the live server shares
    among its request threads; two requests at once trip over each other's transactions
    ("database table is locked"). There the server takes one request at a time; the clients
    still send theirs all at once. PostgreSQL gets the real concurrency."""
    if connection.vendor != "sqlite":
        return
    lock = threading.Lock()
    handle = ThreadedWSGIServer.process_request_thread

    def one_at_a_time(server, *args, **kwargs):
        with lock:
            return handle(server, *args, **kwargs)

    monkeypatch.setattr(ThreadedWSGIServer, "process_request_thread", one_at_a_time)


@pytest.fixture
def server(live_server, database_task_queue, one_request_at_a_time_on_sqlite):
    """The live server, with a listen backlog for a burst of connections: Django's test server
    queues only 10, and the kernel resets connections beyond that."""
    live_server.thread.httpd.socket.listen(512)  # Linux applies a new backlog when listening
    return live_server


@dataclass(frozen=True)
class Scale:
    """How hard to push. PostgreSQL takes the full load; SQLite (development only) cannot
    write concurrently, so it gets a small version of the same scenario and assertions."""

    requests: int
    places: int
    cancellations: int
    threads: int


@pytest.fixture
def scale(transactional_db) -> Scale:
    if connection.vendor == "postgresql":
        return Scale(requests=200, places=50, cancellations=50, threads=32)
    return Scale(requests=20, places=5, cancellations=5, threads=8)


@dataclass(frozen=True)
class Browser:
    """One client: a session cookie (None: anonymous) and a CSRF cookie and token."""

    session_key: str | None
    csrf_secret: str

    @property
    def cookie(self) -> str:
        cookies = [f"{settings.CSRF_COOKIE_NAME}={self.csrf_secret}"]
        if self.session_key:
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={self.session_key}")
        return "; ".join(cookies)


def browser_for(person=None) -> Browser:
    session_key = None
    if person is not None:
        session = SessionStore()
        session[SESSION_KEY] = {"id": person.pk, "epoch": person.session_epoch}
        session.create()
        session_key = session.session_key
    # The unmasked 32-character secret is a valid form token for the same cookie.
    return Browser(session_key=session_key, csrf_secret=get_random_string(32))


@dataclass(frozen=True)
class Answer:
    status: int
    location: str
    body: str
    seconds: float


def request(base_url: str, method: str, path: str, *, browser=None, data=None) -> Answer:
    parts = urlsplit(base_url)
    headers = {"Connection": "close"}
    body = None
    if browser is not None:
        headers["Cookie"] = browser.cookie
    if data is not None:
        body = urlencode({**data, "csrfmiddlewaretoken": browser.csrf_secret}, doseq=True)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.monotonic()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return Answer(
            response.status,
            response.getheader("Location", ""),
            text,
            time.monotonic() - started,
        )
    finally:
        conn.close()
