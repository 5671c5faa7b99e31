"""Two app servers and two mail workers on this machine, sharing one PostgreSQL test database
and one Redis: the deployment the README describes in "Deployment", made small.

Started once per module (`cluster`): two gunicorn servers with ./gunicorn.conf.py (DEBUG off,
the project's own settings, one process of eight threads each) on two free ports, two
`db_worker` processes, and an SMTP sink in this process that counts every mail by its
Message-ID. The subprocesses read the test database pytest-django created, so the tests write
with `transactional_db` (committed, visible to them). The cache lives in Redis under a key
prefix of this run; the tests clear it between them. Redis is a requirement of these tests, not
an option: without it they fail, they do not skip (`make test` starts it). They need
PostgreSQL too: on SQLite (development only) the test database lives in this process's memory,
where no other process can reach it, so there they are skipped.
"""

import asyncio
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import redis
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from tests.load.conftest import Answer, Browser

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# Small limits, so the tests reach them in a few requests; the servers get them from the
# environment like any deployment.
SIGN_IN_RATE_PER_ADDRESS = 3
SIGN_IN_RATE_PER_IP = 8
# A message due for longer than this counts as stuck (a lost task): one second here.
OUTBOX_RETRY_BASE_SECONDS = 1


def redis_url() -> str:
    return os.environ.get("SCALEOUT_REDIS_URL", DEFAULT_REDIS_URL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.05, report=None):
    """Poll `condition` until it returns something true; fail with `what` after `timeout`
    (and with `report()`, if given: what the processes said)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {what}\n{report() if report else ''}")


# The name the public knows the site by: a load balancer passes it to every server alike, and
# the page cache keys pages by it (their absolute links depend on it).
PUBLIC_HOST = "127.0.0.1"


def request(base_url: str, method: str, path: str, *, browser: Browser | None = None, data=None):
    """One request to one server, as the load balancer would forward it."""
    parts = urlsplit(base_url)
    headers = {"Connection": "close", "Host": PUBLIC_HOST}
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
        location = response.getheader("Location", "")
        return Answer(response.status, location, text, time.monotonic() - started)
    finally:
        conn.close()


# --- SMTP sink -------------------------------------------------------------------------------


class SinkHandler:
    """Accepts every mail and notes its Message-ID. `delay` slows each acceptance down, so a
    batch takes long enough to be interrupted."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[str] = []
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.delay:
            await asyncio.sleep(self.delay)
        message_id = ""
        for line in envelope.original_content.split(b"\r\n"):
            if not line:
                break
            if line.lower().startswith(b"message-id:"):
                message_id = line.split(b":", 1)[1].strip().decode()
        with self.lock:
            self.received.append(message_id)
        return "250 OK"

    def counts(self) -> Counter:
        with self.lock:
            return Counter(self.received)

    def reset(self):
        with self.lock:
            self.received.clear()
        self.delay = 0.0


# --- processes -------------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    args: list[str]
    env: dict
    log: Path
    is_worker: bool = False
    starts: int = 0
    proc: subprocess.Popen | None = None

    @property
    def worker_id(self) -> str:
        """db_worker's --worker-id, new at each start: a task a killed worker left "running"
        is told apart from the work of its successor."""
        return f"{self.name}.{self.starts}"

    def start(self):
        self.starts += 1
        args = [*self.args, "--worker-id", self.worker_id] if self.is_worker else self.args
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL: no clean-up, no finishing the current task, as a crash or an OOM kill."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def interrupt(self):
        # gunicorn: SIGINT is its quick shutdown; db_worker ends between tasks.
        if self.alive():
            self.proc.send_signal(signal.SIGINT)

    def stop(self):
        self.interrupt()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


@dataclass
class Cluster:
    servers: list[str]  # base URLs of server A and B
    workers: dict[str, Process]  # by worker id
    sink: SinkHandler
    redis: redis.Redis
    key_prefix: str
    cache_url: str
    processes: list[Process] = field(default_factory=list)

    def clear_cache(self):
        for key in self.redis.scan_iter(f"{self.key_prefix}:*"):
            self.redis.delete(key)

    def report(self) -> str:
        """What the processes said, for a failure message."""
        return "\n".join(
            f"--- {p.name} ({'running' if p.alive() else 'ended'}):\n{p.tail()}"
            for p in self.processes
        )

    def restart_server(self, index: int):
        """Stop one server as a deployment does (SIGTERM: finish what runs, take nothing new)
        and start it again; returns once it answers."""
        server = [p for p in self.processes if not p.is_worker][index]
        server.proc.terminate()
        server.proc.wait(timeout=60)
        server.start()
        wait_for(
            lambda: answers(self.servers[index]) or not server.alive(),
            timeout=60,
            what=f"{server.name} to answer again",
            interval=0.2,
        )
        assert server.alive(), server.tail()

    def worker(self, worker_id: str) -> Process:
        return self.workers[worker_id.split(".")[0]]

    def idle(self) -> bool:
        """No task waits, and none runs on a living worker."""
        alive = {w.worker_id for w in self.workers.values() if w.alive()}
        running = DBTaskResult.objects.running().values_list("worker_ids", flat=True)
        return not DBTaskResult.objects.ready().exists() and not any(
            ids and ids[-1] in alive for ids in running
        )


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] or "postgres"
    if db["PASSWORD"]:
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _environment(*, cache_url: str, smtp_port: int) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jahrestreffen.settings",
        "PYTHONPATH": str(ROOT),
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": _database_url(),
        "CACHE_URL": cache_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on loopback, no proxy in front and no collected static files.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "SIGN_IN_RATE_PER_ADDRESS": str(SIGN_IN_RATE_PER_ADDRESS),
        "SIGN_IN_RATE_PER_IP": str(SIGN_IN_RATE_PER_IP),
        "OUTBOX_RETRY_BASE_SECONDS": str(OUTBOX_RETRY_BASE_SECONDS),
        "PUBLIC_PAGE_CACHE_SECONDS": "60",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_LOGLEVEL": "warning",
    }


def _server(name: str, port: int, env: dict, logs: Path) -> Process:
    return Process(
        name,
        [sys.executable, "-m", "gunicorn", "jahrestreffen.wsgi", "-c", "gunicorn.conf.py"],
        # One process with eight threads instead of gunicorn.conf.py's two with four: the
        # same request handling, and the two servers are the processes that share state.
        {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "8",
        },
        logs / f"{name}.log",
    )


def _worker(name: str, env: dict, logs: Path) -> Process:
    args = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    args += ["--interval", "0.2"]
    return Process(name, args, env, logs / f"{name}.log", is_worker=True)


def answers(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1) as sock:
            sock.sendall(b"GET /robots.txt HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return sock.recv(12).startswith(b"HTTP/1.0 200") or False
    except OSError:
        return False


def _connect_redis() -> redis.Redis:
    client = redis.Redis.from_url(redis_url(), socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis is not reachable at {redis_url()} ({exc}). The scale-out tests need the "
            "shared cache a deployment of several servers has: `make test` installs and starts "
            "Redis; elsewhere start redis-server or set SCALEOUT_REDIS_URL.",
            pytrace=False,
        )
    return client


@pytest.fixture(scope="module")
def cluster(django_db_setup, tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("several servers share a database server: PostgreSQL only")
    client = _connect_redis()
    key_prefix = f"scaleout-{connection.settings_dict['NAME']}-{os.getpid()}"
    cache_url = f"{redis_url()}?key_prefix={key_prefix}"
    sink = SinkHandler()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    logs = tmp_path_factory.mktemp("scaleout-logs")
    env = _environment(cache_url=cache_url, smtp_port=smtp.port)
    ports = [free_port(), free_port()]
    servers = [_server(f"server-{n}", port, env, logs) for n, port in zip("ab", ports, strict=True)]
    workers = {w: _worker(w, env, logs) for w in ("worker-1", "worker-2")}
    processes = [*servers, *workers.values()]
    built = Cluster(
        servers=[f"http://127.0.0.1:{port}" for port in ports],
        workers=workers,
        sink=sink,
        redis=client,
        key_prefix=key_prefix,
        cache_url=cache_url,
        processes=processes,
    )
    try:
        for process in processes:
            process.start()
        for url, server in zip(built.servers, servers, strict=True):
            wait_for(
                lambda url=url, server=server: answers(url) or not server.alive(),
                timeout=60,
                what=f"{server.name} to answer",
                interval=0.2,
            )
            assert server.alive(), f"{server.name} did not start:\n{server.tail()}"
        yield built
    finally:
        for process in processes:
            process.interrupt()
        for process in processes:
            process.stop()
        smtp.stop()
        built.clear_cache()
        client.close()


@pytest.fixture
def shared(cluster, transactional_db, settings):
    """Per test: an empty shared cache and SMTP sink, both workers running, and this process
    queueing tasks in the database like the servers do (the suite's default runs them in the
    request)."""
    cluster.clear_cache()
    cluster.sink.reset()
    for worker in cluster.workers.values():
        if not worker.alive():
            worker.start()
    settings.OUTBOX_RETRY_BASE_SECONDS = OUTBOX_RETRY_BASE_SECONDS
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    yield cluster
    # The database is emptied after each test (TRUNCATE): not under a worker's feet.
    wait_for(cluster.idle, timeout=120, what="the workers to finish", report=cluster.report)
    dead = [p for p in cluster.processes if not p.alive() and not p.name.startswith("worker")]
    assert not dead, "\n".join(f"{p.name} died:\n{p.tail()}" for p in dead)
