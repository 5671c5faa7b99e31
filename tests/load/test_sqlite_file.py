"""The SQLite default (`make run`) stays sound under parallel requests: many sign-in requests
and registrations at once never answer 500 "database is locked".

This runs the real stack the way `make run` does, whatever database the rest of the suite
uses: `manage.py runserver` (threaded) in a subprocess on a file-based SQLite database,
configured only by DATABASE_URL, so the settings' SQLite options are what is tested.
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from .conftest import Browser, request
from .test_concurrent_http import registration_data, run_concurrently

BASE_DIR = Path(settings.BASE_DIR)
PEOPLE = 40
SIGN_INS = 60
# runserver accepts at most 10 waiting connections (WSGIServer.request_queue_size): more
# threads than that measure the dev server's listen backlog under load (connection resets),
# not the database. Eight writers at once are plenty to make SQLite say "database is locked"
# without the connection options.
THREADS = 8

SETUP = """
import json
from django.contrib.sessions.backends.db import SessionStore
from registrations.middleware import SESSION_KEY
from registrations.models import ContactPerson, MemberOrganisation
from tests.factories import EventFactory

event = EventFactory(slug="parallel", capacity=1000, participants_per_organisation=5)
people = []
for i in range(%(people)d):
    organisation = MemberOrganisation.objects.create(name=f"Stadt Parallel {i}")
    people.append(ContactPerson.objects.create(
        organisation=organisation, first_name=f"Vorname{i}", last_name=f"Nachname{i}",
        email=f"parallel{i}@stadt.example.org"))
sessions = []
for person in people:
    session = SessionStore()
    session[SESSION_KEY] = {"id": person.pk, "epoch": person.session_epoch}
    session.create()
    sessions.append(session.session_key)
print(json.dumps({"slug": event.slug, "sessions": sessions}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sqlite-file")
    db_path = folder / "db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "DEBUG": "1",
        "EMAIL_URL": "dummymail://",
        "PUBLIC_PAGE_CACHE_SECONDS": "0",
        "SIGN_IN_RATE_PER_IP": "100000",
        "SIGN_IN_RATE_PER_ADDRESS": "100000",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, cwd=BASE_DIR, check=True)
    setup = subprocess.run(
        [*manage, "shell", "-c", SETUP % {"people": PEOPLE}],
        env=env,
        cwd=BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(setup.stdout.strip().splitlines()[-1])
    port = _free_port()
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        env=env,
        cwd=BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                request(base_url, "GET", "/robots.txt")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield {**data, "url": base_url, "db": db_path, "log": folder / "server.log"}
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_sqlite_file_database_is_in_wal_mode(sqlite_server):
    with sqlite3.connect(sqlite_server["db"]) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_parallel_registrations_and_sign_ins_never_fail(sqlite_server):
    base_url = sqlite_server["url"]
    register = f"/veranstaltungen/{sqlite_server['slug']}/anmeldung/"
    secret = "a" * 32
    registrants = [
        Browser(session_key=key, csrf_secret=secret) for key in sqlite_server["sessions"]
    ]
    visitor = Browser(session_key=None, csrf_secret=secret)
    calls = [
        (
            lambda b=b: (
                "register",
                request(base_url, "POST", register, browser=b, data=registration_data()),
            )
        )
        for b in registrants
    ] + [
        (
            lambda i=i: (
                "sign-in",
                request(
                    base_url,
                    "POST",
                    "/anmelden/",
                    browser=visitor,
                    data={"email": f"parallel{i % PEOPLE}@stadt.example.org"},
                ),
            )
        )
        for i in range(SIGN_INS)
    ]

    answers = run_concurrently(calls, threads=THREADS)

    statuses = Counter((kind, answer.status) for kind, answer in answers)
    log = sqlite_server["log"].read_text()
    assert statuses == {("register", 302): PEOPLE, ("sign-in", 200): SIGN_INS}, (
        statuses,
        log[-3000:],
    )
    assert "database is locked" not in log
    with sqlite3.connect(sqlite_server["db"]) as db:
        registered = db.execute(
            "SELECT count(*) FROM registrations_registration WHERE status = 'confirmed'"
        ).fetchone()[0]
        outbox = db.execute("SELECT count(*) FROM registrations_outboxmessage").fetchone()[0]
        tasks = db.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path = ?",
            ["registrations.services.signin.sign_in_link_send"],
        ).fetchone()[0]
    assert registered == PEOPLE
    # Every registration queued its mail; every sign-in request queued the background look-up
    # that mails the link (the look-up is not done in the request, see services.signin).
    assert outbox == PEOPLE
    assert tasks == SIGN_INS
