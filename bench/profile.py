"""Per-request CPU of the signed-in paths, in-process through Django's WSGI handler.

    python -m bench.profile [path-key ...] [--n 300] [--cprofile KEY]

Runs against the bench database (`make bench` loads it) with bench.settings, each request
from another signed-in contact person as wrk does; prints median CPU time and queries per path.
"""

import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def environ(method, path, cookie="", body=b"", content_type=""):
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8001",
        "HTTP_HOST": "127.0.0.1:8001",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_ORIGIN": "https://127.0.0.1:8001",
        "HTTP_REFERER": "https://127.0.0.1:8001/",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    if cookie:
        env["HTTP_COOKIE"] = cookie
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
        env["CONTENT_TYPE"] = content_type
    return env


def main(argv):
    n = 300
    warm = False
    prof_key = None
    keys = []
    it = iter(argv)
    for a in it:
        if a == "--n":
            n = int(next(it))
        elif a == "--warm":  # each measured request made once before: per-person caches warm
            warm = True
        elif a == "--cprofile":
            prof_key = next(it)
        else:
            keys.append(a)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    import json

    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    app = get_wsgi_application()

    # Round trips to Redis: one send per command or pipeline.
    trips = [0]
    try:
        from redis.connection import Connection

        send = Connection.send_packed_command

        def counted(self, *args, **kwargs):
            trips[0] += 1
            return send(self, *args, **kwargs)

        Connection.send_packed_command = counted
    except ImportError:
        pass
    meta = json.loads((OUT / "data.json").read_text())
    sessions = [line.split() for line in (OUT / "sessions.txt").read_text().splitlines()]
    # The submit's own contact persons (load_bench_data), each registering once.
    submitters = OUT / "submit_sessions.txt"
    submit_sessions = (
        [line.split() for line in submitters.read_text().splitlines()]
        if submitters.exists()
        else sessions
    )
    tokens = (OUT / "manage_tokens.txt").read_text().splitlines()
    emails = [line.split() for line in (OUT / "emails.txt").read_text().splitlines()]
    detail = meta["detail_slug"]

    def signed(path):
        def make(i):
            key, csrf = sessions[i % len(sessions)]
            return environ("GET", path, f"sessionid={key}; csrftoken={csrf}")

        return make

    def submit(i):
        key, csrf = submit_sessions[i % len(submit_sessions)]
        body = f"csrfmiddlewaretoken={csrf}&who=self&diet=none&visibility=nobody&privacy=on"
        return environ(
            "POST",
            f"/veranstaltungen/{meta['submit_slugs'][0]}/anmeldung/",
            f"sessionid={key}; csrftoken={csrf}",
            body.encode(),
            "application/x-www-form-urlencoded",
        )

    def sign_in(i):
        email, csrf = emails[i % len(emails)]
        body = f"csrfmiddlewaretoken={csrf}&email={email.replace('@', '%40')}"
        return environ(
            "POST",
            "/anmelden/",
            f"csrftoken={csrf}",
            body.encode(),
            "application/x-www-form-urlencoded",
        )

    paths = {
        "ceiling": lambda i: environ("GET", "/bench/ceiling/"),
        "event_detail": lambda i: environ("GET", f"/veranstaltungen/{detail}/"),
        "event_detail_session": signed(f"/veranstaltungen/{detail}/"),
        "form": signed(f"/veranstaltungen/{detail}/anmeldung/"),
        "manage": lambda i: environ("GET", f"/anmeldung/{tokens[i % len(tokens)]}/"),
        "my_registrations": signed("/meine-anmeldungen/"),
        "sign_in": sign_in,
        "submit": submit,
    }
    keys = keys or [k for k in paths if k != "submit"]

    def call(env):
        status = []
        body = app(env, lambda s, h, exc=None: status.append(s))
        data = b"".join(body)
        if hasattr(body, "close"):
            body.close()
        return status[0], data

    for key in keys:
        make = paths[key]
        for i in range(n if warm else 20):  # warm up
            call(make(i if warm else n + i))
        cpu, queries, redis_trips = [], [], []
        prof = None
        if key == prof_key:
            import cProfile

            prof = cProfile.Profile(time.process_time)
        for i in range(n):
            env = make(i)
            before = trips[0]
            with CaptureQueriesContext(connection) as ctx:
                t = time.process_time()
                if prof:
                    prof.enable()
                status, _ = call(env)
                if prof:
                    prof.disable()
                cpu.append(time.process_time() - t)
            queries.append(len(ctx.captured_queries))
            redis_trips.append(trips[0] - before)
            if not status.startswith(("200", "302")):
                print(key, status)
                break
        print(
            f"{key:22s} cpu median {statistics.median(cpu) * 1000:6.2f} ms  "
            f"queries {statistics.median(queries):.0f}  "
            f"redis trips {statistics.median(redis_trips):.0f}  status {status}"
        )
        if prof:
            import pstats

            pstats.Stats(prof).sort_stats(os.environ.get("PROF_SORT", "cumulative")).print_stats(45)


if __name__ == "__main__":
    main(sys.argv[1:])
