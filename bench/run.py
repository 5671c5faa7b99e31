"""`make bench`: the app as in production under load on loopback, results into bench/results.md.

1. Recreates the PostgreSQL database of DATABASE_URL (default jahrestreffen_bench), migrates,
   collects static files, loads the bench volume (`manage.py load_bench_data`).
2. Starts gunicorn with ./gunicorn.conf.py, DEBUG off, DJANGO_SETTINGS_MODULE=bench.settings
   (the project plus a ceiling view) on 127.0.0.1.
3. Runs wrk against each page, interleaved with the ceiling, ROUNDS times; reports medians and
   the median of the per-round ratios to the ceiling (the machine is shared: only ratios within
   one run mean something).
4. Measures the exports, the mail queue and the mail worker against an SMTP sink.

    python bench/run.py [--duration 5] [--rounds 3] [--sweep]

--sweep instead tries several worker/thread/connection settings and writes bench/sweep.md.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
PY = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/jahrestreffen_bench"
SMTP_PORT = 1025
WRK_THREADS = 2
WRK_CONNECTIONS = 16
MAIL_COUNT = 300

# The submit's own signed-in contact persons (load_bench_data); a database loaded before they
# existed (--skip-load) has only sessions.txt, which the submit then shares with the pages.
SUBMIT_SESSIONS = "submit_sessions.txt"
# key, label, script, path (str.format'ed with the round's slugs), data file
SCENARIOS = [
    ("ceiling", "Ceiling: bare view, same size, no database", "get.lua", "/bench/ceiling/", None),
    ("event_list", "Event list", "get.lua", "/", None),
    ("event_detail", "Event detail", "get.lua", "/veranstaltungen/{detail}/", None),
    (
        "event_detail_session",
        "Event detail (signed in)",
        "form.lua",
        "/veranstaltungen/{detail}/",
        "sessions.txt",
    ),
    (
        "form",
        "Registration form (signed in)",
        "form.lua",
        "/veranstaltungen/{detail}/anmeldung/",
        "sessions.txt",
    ),
    (
        "submit",
        "Registration submit (distinct people)",
        "submit.lua",
        "/veranstaltungen/{submit}/anmeldung/",
        SUBMIT_SESSIONS,
    ),
    ("manage", "Manage page (personal link)", "manage.lua", "/anmeldung/", "manage_tokens.txt"),
    (
        "my_registrations",
        "My registrations (signed in)",
        "form.lua",
        "/meine-anmeldungen/",
        "sessions.txt",
    ),
    ("sign_in", "Sign-in request (POST e-mail)", "signin.lua", "/anmelden/", "emails.txt"),
]
# Minimum share of the ceiling's requests per second (issue 13's table; the public pages keep
# what they met before).
TARGETS = {
    "event_list": 0.50,
    "event_detail": 0.50,
    "event_detail_session": 0.30,
    "form": 0.30,
    "submit": 0.20,
    "manage": 0.30,
    "my_registrations": 0.30,
    "sign_in": 0.30,
}
# Median time a submit holds the event's row lock (EVENT_LOCK_TIMING in bench.settings).
LOCK_TARGET_MS = 5.0
XLSX_TARGET = 1.5
IMPORT_PREVIEW_ROWS = 5_000
IMPORT_PREVIEW_TARGET_S = 3.0
# The bench's own Redis database, emptied at the start: production shares Redis between
# workers (sessions, page cache, rate limits), and so does the bench.
DEFAULT_CACHE_URL = "rediscache://127.0.0.1:6379/15"

# workers, threads, CONN_MAX_AGE
SWEEP = [(3, 1, 0), (3, 1, 60), (5, 1, 60), (2, 4, 60)]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- environment -----------------------------------------------------------------------------


def bench_env(database_url: str, secret_key: str, **extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CACHE_URL": env_cache_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{SMTP_PORT}",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def recreate_database(database_url: str) -> None:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name.endswith("_bench"):
        raise SystemExit(f"Refusing to drop {name!r}: the bench database's name ends in _bench.")
    conn = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def analyze(database_url: str) -> None:
    """Planner statistics for the freshly loaded tables, as autovacuum keeps them in a running
    database: without them PostgreSQL guesses row counts of the empty tables it saw at
    migration (a sequential scan of 80,000 programme choices per "My registrations")."""
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("ANALYZE")
    conn.close()


def flush_cache(cache_url: str) -> None:
    """Empty the bench's Redis database: no session, page or rate-limit count of a former run."""
    if not cache_url.startswith("rediscache://"):
        return
    import redis

    redis.Redis.from_url("redis://" + cache_url.split("://", 1)[1]).flushdb()


def env_cache_url() -> str:
    return os.environ.get("BENCH_CACHE_URL", DEFAULT_CACHE_URL)


def lock_hold_times() -> list[float]:
    """Milliseconds each committed submit held its event's lock (bench.settings logs them)."""
    log_file = OUT / "event_lock.log"
    if not log_file.exists():
        return []
    return [float(line) for line in log_file.read_text().split() if line.strip()]


def manage(env: dict, *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def offline(env: dict, *args: str, timeout: int = 600) -> dict:
    """Run one `bench.offline` measurement in its own process; its JSON line."""
    proc = subprocess.run(
        [PY, "-m", "bench.offline", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    return {"missing": f"bench.offline {args[0]} failed: {proc.stderr.strip()[-600:]}"}


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


# --- server ----------------------------------------------------------------------------------


class Server:
    def __init__(self, env: dict, port: int, workers: int, threads: int, keepalive: int):
        self.port = port
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_KEEPALIVE": str(keepalive),
            "GUNICORN_LOGLEVEL": "warning",
        }
        self.proc = None

    def __enter__(self):
        if not port_free(self.port):
            raise SystemExit(f"127.0.0.1:{self.port} is in use; choose another with --port.")
        self.log = open(OUT / "gunicorn.log", "a")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [PY, "-m", "gunicorn", "jahrestreffen.wsgi", "-c", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.get("/bench/ceiling/")[0] == 200:
                return self
            time.sleep(0.2)
        self.__exit__()
        raise SystemExit("gunicorn did not answer; see bench/out/gunicorn.log")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def get(self, path: str, cookie: str = "") -> tuple[int, int]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            headers={"X-Forwarded-Proto": "https", "Cookie": cookie},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, len(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, 0
        except OSError:
            return 0, 0


def wrk(server: Server, script: str, path: str, data: str | None, duration: float) -> dict:
    args = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{WRK_CONNECTIONS}",
        f"-d{int(duration)}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / "wrk" / script),
        f"http://127.0.0.1:{server.port}{path if script == 'get.lua' else '/'}",
        "--",
        server.origin,
        str(OUT / data) if data else "-",
        path,
    ]
    proc = subprocess.run(
        args,
        cwd=ROOT,
        env={**os.environ, "WRK_THREADS": str(WRK_THREADS)},
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH "):
            result = json.loads(line[6:])
            result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
            result["errors"] = sum(v for k, v in result.items() if k.startswith("errors_"))
            return result
    raise SystemExit(f"wrk failed: {proc.stdout}\n{proc.stderr}")


def reset_submits(database_url: str) -> None:
    """Forget the registrations the submit runs made, so every run has distinct people again."""
    made = """SELECT r.id FROM registrations_registration r JOIN events_event e
        ON e.id = r.event_id WHERE e.slug LIKE 'anmeldung-bench-%'"""
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cursor:
        # Every table that points at a registration (programme choices, outbox, ...).
        cursor.execute(
            """SELECT conrelid::regclass::text, a.attname FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.confrelid = 'registrations_registration'::regclass"""
        )
        for table, column in cursor.fetchall():
            cursor.execute(f'DELETE FROM {table} WHERE "{column}" IN ({made})')
        cursor.execute(f"DELETE FROM registrations_registration WHERE id IN ({made})")
    conn.close()


def load_runs(server, scenarios, meta, rounds, duration, database_url) -> dict:
    """Each scenario once per round, in turn, so all of them see the same noise, with the
    ceiling measured before the first page and again after every page: each page is compared
    with the ceiling measured just before and just after it (`neighbour_ceiling`)."""
    runs = {key: [] for key, *_ in scenarios}
    pages = [s for s in scenarios if s[0] != "ceiling"]
    ceiling = next(s for s in scenarios if s[0] == "ceiling")
    for key, _, script, path, data in scenarios:
        if key != "submit":  # warm up: imports, template and connection caches
            wrk(server, script, path.format(detail=meta["detail_slug"]), data, 1)

    def measure(r, key, _label, script, path, data):
        slug = meta["submit_slugs"][r % len(meta["submit_slugs"])]
        if key == "submit":
            reset_submits(database_url)
            if not (OUT / data).exists():
                data = "sessions.txt"
        result = wrk(
            server, script, path.format(detail=meta["detail_slug"], submit=slug), data, duration
        )
        log(
            f"round {r + 1} {key:13s} {result['rps']:8.1f} req/s  "
            f"p50 {result['p50_us'] / 1000:6.1f} ms  p99 {result['p99_us'] / 1000:6.1f} ms"
            + (f"  errors {result['errors']}" if result["errors"] else "")
            + (f"  wrapped {result['wrapped']}" if result["wrapped"] else "")
        )
        return result

    for r in range(rounds):
        before = measure(r, *ceiling)
        runs["ceiling"].append(before)
        for key, *rest in pages:
            result = measure(r, key, *rest)
            after = measure(r, *ceiling)
            runs["ceiling"].append(after)
            result["ceiling_rps"] = neighbour_ceiling(before["rps"], after["rps"])
            runs[key].append(result)
            before = after
    return runs


def neighbour_ceiling(before: float, after: float) -> float:
    """The ceiling a page is compared with: the higher of the two measured next to it.
    Whatever else runs on the machine can only slow the ceiling down, never speed it up, so
    the higher figure is the nearer to the machine's real ceiling at that moment; a dip of
    the ceiling alone would otherwise flatter the page (seen here: 521 req/s against 1,651 in
    the next round, while the cached pages stayed above 900)."""
    return max(before, after)


def summarise(runs: dict) -> dict:
    summary = {}
    for key, results in runs.items():
        ratios = [1.0] if key == "ceiling" else [r["rps"] / r["ceiling_rps"] for r in results]
        summary[key] = {
            "rps": statistics.median(r["rps"] for r in results),
            "rps_rounds": [round(r["rps"], 1) for r in results],
            "p50": statistics.median(r["p50_us"] for r in results) / 1000,
            "p95": statistics.median(r["p95_us"] for r in results) / 1000,
            "p99": statistics.median(r["p99_us"] for r in results) / 1000,
            "ratio": statistics.median(ratios),
            "ratios": [round(x, 3) for x in ratios],
            "errors": sum(r["errors"] for r in results),
            "wrapped": sum(r["wrapped"] for r in results),
            "requests": sum(r["requests"] for r in results),
        }
    return summary


# --- mail worker -----------------------------------------------------------------------------


class CountingSink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.count += 1
        return "250 OK"


def mail_worker(env: dict) -> dict:
    from aiosmtpd.controller import Controller

    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    try:
        prepared = offline(env, "mail-prepare", str(MAIL_COUNT))
        if "missing" in prepared:
            return prepared
        start = time.perf_counter()
        subprocess.run(
            [PY, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
            capture_output=True,
        )
        wall = time.perf_counter() - start
        result = offline(env, "mail-result")
        result.update({"enqueued": prepared["enqueued"], "wall_s": wall, "received": sink.count})
        return result
    finally:
        controller.stop()


# --- report ----------------------------------------------------------------------------------


def _version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = _version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True
    ).stdout.strip()
    import django
    import gunicorn

    return (
        f"{datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} × {cpu}, load average "
        f"{os.getloadavg()[0]:.2f} at the start; Python {platform.python_version()}, "
        f"Django {django.get_version()}, gunicorn {gunicorn.__version__}, "
        f"{_version(['psql', '--version'])}, {_version(['wrk', '--version'])}; "
        f"commit {commit}{' with uncommitted changes' if dirty else ''}"
    )


def fmt_ratio(ratio: float) -> str:
    return f"{ratio * 100:.0f} %"


def target_cell(key: str, ratio: float, lock_ms: float | None = None) -> str:
    if key not in TARGETS:
        return "–"
    met = ratio >= TARGETS[key]
    text = f"≥ {TARGETS[key] * 100:.0f} %"
    if key == "submit":
        met = met and lock_ms is not None and lock_ms <= LOCK_TARGET_MS
        text += f", lock ≤ {LOCK_TARGET_MS:g} ms"
    return f"{text}: {'met' if met else '**missed**'}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def report(args, meta, sizes, server_cfg, http, locks, offline_results) -> str:
    xlsx, csv_result, enqueue, mail, preview = (
        offline_results[k] for k in ("xlsx", "csv", "enqueue", "mail", "import_preview")
    )
    lock_ms = statistics.median(locks) if locks else None
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/run.py); do not edit by hand — the notes at the end come",
        "from bench/findings.md. The machine is shared and noisy: every figure is the median of",
        f"{args.rounds} rounds of {args.duration:g} s. The ceiling is measured before the first",
        "page of a round and again after every page; each page's ratio is taken to the higher of",
        "the two ceilings measured next to it (disturbance only ever lowers the ceiling), then",
        "the median over the rounds. Compare ratios, not absolute numbers, across runs.",
        "",
        f"- Run: {machine()}",
        f"- Volume: {meta['members']} member organisations, {meta['persons']} contact persons, "
        f"{meta['events']} events, {meta['registrations']} registrations "
        "(`manage.py load_bench_data`); the submit registers "
        f"{meta.get('submit_persons', 0):,} contact persons of its own, each once per round.",
        f"- Server: gunicorn with ./gunicorn.conf.py, {server_cfg}, DEBUG off, PostgreSQL "
        "on 127.0.0.1, WhiteNoise, `bench.settings` (project settings + ceiling view).",
        f"- Load: wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} on loopback, sharing the cores with "
        "the server; every request carries `X-Forwarded-Proto: https` as the TLS proxy would.",
        "- Bench-only settings: sign-in rate limits raised (SIGN_IN_RATE_PER_ADDRESS/PER_IP "
        "= 10⁹), since all requests come from one address; CSRF stays on (wrk sends valid "
        "tokens and an Origin header); EVENT_LOCK_TIMING logs each submit's hold of the event "
        "lock. The cache is Redis (as production's CACHE_URL must be), a database of its own "
        f"emptied at the start ({env_cache_url()}).",
        "",
        "## Pages",
        "",
        "| page | req/s | p50 | p95 | p99 | ratio to ceiling | target | bytes | errors |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for key, label, *_ in SCENARIOS:
        if key not in http:
            lines.append(f"| {label} | not measured (--only) | | | | | | | |")
            continue
        s = http[key]
        errors = str(s["errors"]) + (f" ({s['wrapped']} wrapped)" if s["wrapped"] else "")
        lines.append(
            f"| {label} | {s['rps']:.0f} | {s['p50']:.1f} ms | {s['p95']:.1f} ms | "
            f"{s['p99']:.1f} ms | {fmt_ratio(s['ratio'])} | "
            f"{target_cell(key, s['ratio'], lock_ms)} | "
            f"{sizes.get(key, '–')} | {errors} |"
        )
    if locks:
        ordered = sorted(locks)
        lines += [
            "",
            f"Event lock held per submit (from taking the row lock to the commit, "
            f"EVENT_LOCK_TIMING): median {lock_ms:.1f} ms, p95 "
            f"{ordered[int(len(ordered) * 0.95) - 1]:.1f} ms, max {ordered[-1]:.1f} ms over "
            f"{len(locks):,} committed submits; target ≤ {LOCK_TARGET_MS:g} ms: "
            + ("met." if lock_ms <= LOCK_TARGET_MS else "**missed**."),
        ]
    else:
        lines += ["", "Event lock hold times: **not measured** (no bench/out/event_lock.log)."]
    lines += [
        "",
        "Requests per second of each round: "
        + "; ".join(f"{key} {http[key]['rps_rounds']}" for key, *_ in SCENARIOS if key in http)
        + ".",
        "",
        "Ratio of each page to its neighbouring ceilings, per round: "
        + "; ".join(
            f"{key} {[f'{x * 100:.0f} %' for x in http[key]['ratios']]}"
            for key, *_ in SCENARIOS
            if key in http and key != "ceiling"
        )
        + ".",
        "",
        "## Exports",
        "",
    ]
    if "missing" in xlsx:
        lines.append(f"- XLSX export: not yet measured: {xlsx['missing']}")
    else:
        base = statistics.median(xlsx["openpyxl_s"])
        product = statistics.median(xlsx["product_s"])
        met = "met" if product / base <= XLSX_TARGET else "**missed**"
        lines += [
            f"XLSX attendee workbook of {xlsx['rows']:,} registrations ({xlsx['sheets']} sheets, "
            f"{xlsx['cells']:,} cells):",
            "",
            "| writer | median time | ratio to openpyxl alone | target |",
            "|---|---:|---:|---|",
            "| openpyxl alone: write-only workbook, the same cells from memory, no styles "
            f"| {ms(base)} | 1.00 | – |",
            f"| `{xlsx['product']}`: queries, rows, styled cells | {ms(product)} | "
            f"{product / base:.2f} | ≤ {XLSX_TARGET}: {met} |",
        ]
    lines.append("")
    if "missing" in csv_result:
        lines.append(f"- CSV streaming: not yet measured: {csv_result['missing']}")
    else:
        rss = csv_result["rss_kib"]
        half = len(rss) // 2
        # The first rows warm caches (catalogues, cursor buffers); a leak shows in the second half.
        grows = max(rss[half:]) - max(rss[:half])
        lines += [
            f"- CSV streaming of {csv_result['rows']:,} rows ({csv_result['bytes'] / 1e6:.1f} MB), "
            f"{csv_result['product']}: {csv_result['seconds']:.1f} s "
            f"({csv_result['rows'] / csv_result['seconds']:,.0f} rows/s). Process RSS every "
            f"10,000 rows (MiB): {', '.join(f'{r / 1024:.0f}' for r in rss)}; the highest of the "
            f"second half is {grows / 1024:+.1f} MiB against the first half: "
            + ("flat." if grows < 4 * 1024 else "**growing**."),
        ]
    lines += ["", "## Directory import", ""]
    if "missing" in preview:
        lines.append(f"- Import preview: not yet measured: {preview['missing']}")
    else:
        t = statistics.median(preview["seconds"])
        met = "met" if t <= IMPORT_PREVIEW_TARGET_S else "**missed**"
        lines.append(
            f"- Import preview of a {preview['rows']:,}-row directory file "
            f"({preview['how']}): {t:.2f} s median of {len(preview['seconds'])} "
            f"(rounds {', '.join(f'{x:.2f}' for x in preview['seconds'])} s); "
            f"target ≤ {IMPORT_PREVIEW_TARGET_S:g} s: {met}."
        )
    lines += ["", "## Mail", ""]
    if "missing" in enqueue:
        lines.append(
            f"- Enqueueing a mail to 5,000 registrants: not yet measured: {enqueue['missing']}"
        )
    else:
        t = statistics.median(enqueue["seconds"])
        lines.append(
            f"- Enqueueing a mail to {enqueue['recipients']:,} registrants: {ms(t)} median "
            f"({t / enqueue['recipients'] * 1e6:.0f} µs per recipient). How: {enqueue['how']}."
        )
    if "missing" in mail:
        lines.append(f"- Worker send rate: not yet measured: {mail['missing']}")
    else:
        rate = mail["enqueued"] / mail["seconds"] if mail.get("seconds") else 0
        lines.append(
            f"- Mail worker (`manage.py db_worker --batch`, one process) sending "
            f"{mail['enqueued']} registration confirmations from the outbox (text, HTML, .ics) "
            "to an SMTP sink "
            f"(aiosmtpd on 127.0.0.1:{SMTP_PORT}): {rate:.0f} mails/s between first start and "
            f"last finish ({mail['wall_s']:.1f} s wall clock with start-up); the sink received "
            f"{mail['received']}; outbox statuses {mail['statuses']}."
        )
    findings = BENCH / "findings.md"
    if findings.exists():
        lines += ["", findings.read_text(encoding="utf-8").strip()]
    sweep = BENCH / "sweep.md"
    if sweep.exists():
        lines += ["", "Server settings: see bench/sweep.md (`python bench/run.py --sweep`)."]
    return "\n".join(lines) + "\n"


def sweep_report(rows: list[tuple[tuple, dict]], args) -> str:
    lines = [
        "# Server settings sweep",
        "",
        "Written by `python bench/run.py --sweep`: the same load against several gunicorn",
        f"settings; medians of {args.rounds} rounds of {args.duration:g} s, ratios to the ceiling "
        "of the same configuration and round.",
        "",
        f"- Run: {machine()}",
        "",
        "| workers | threads | CONN_MAX_AGE | ceiling req/s | event detail req/s (ratio) "
        "| form req/s | submit req/s (ratio) | submit p99 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (workers, threads, conn_age), s in rows:
        lines.append(
            f"| {workers} | {threads} | {conn_age} | {s['ceiling']['rps']:.0f} | "
            f"{s['event_detail']['rps']:.0f} ({fmt_ratio(s['event_detail']['ratio'])}) | "
            f"{s['form']['rps']:.0f} | {s['submit']['rps']:.0f} "
            f"({fmt_ratio(s['submit']['ratio'])}) | {s['submit']['p99']:.0f} ms |"
        )
    return "\n".join(lines) + "\n"


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=None, help="default: gunicorn.conf.py's")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--conn-max-age", type=int, default=None)
    parser.add_argument("--skip-load", action="store_true", help="reuse the bench database")
    parser.add_argument("--sweep", action="store_true", help="try server settings instead")
    parser.add_argument("--only-http", action="store_true")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated page keys to measure (the ceiling always); for checking plumbing",
    )
    args = parser.parse_args()

    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench does this as root)")
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    OUT.mkdir(exist_ok=True)
    secret_file = OUT / "secret_key"
    if args.skip_load and secret_file.exists():
        secret_key = secret_file.read_text()
    else:
        secret_key = secrets.token_urlsafe(50)
        secret_file.write_text(secret_key)
    conf = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), conf)  # the defaults production gets
    workers = args.workers or conf["workers"]
    threads = args.threads or conf["threads"]
    keepalive = conf["keepalive"]
    conn_max_age = (
        args.conn_max_age
        if args.conn_max_age is not None
        else int(os.environ.get("CONN_MAX_AGE", conf.get("conn_max_age", "0")))
    )
    env = bench_env(database_url, secret_key, CONN_MAX_AGE=conn_max_age)

    started = time.monotonic()
    flush_cache(env["CACHE_URL"])
    if not args.skip_load:
        log(f"recreating {urlsplit(database_url).path.lstrip('/')}, migrating, loading volume")
        recreate_database(database_url)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_bench_data", "--out", str(OUT))
        analyze(database_url)
    manage(env, "migrate", "--noinput", "-v0")  # others' new migrations, with --skip-load
    manage(env, "collectstatic", "--noinput", "-v0")
    meta = json.loads((OUT / "data.json").read_text())
    log(f"signed-in sessions into the cache: {offline(env, 'warm-sessions', 'sessions.txt')}")
    if (OUT / SUBMIT_SESSIONS).exists():
        log(f"submit sessions into the cache: {offline(env, 'warm-sessions', SUBMIT_SESSIONS)}")
    page = offline(env, "ceiling")
    if "missing" in page:
        raise SystemExit(page["missing"])
    log(f"ceiling template: {page['bytes']} bytes, like the event detail page")

    if args.sweep:
        rows = []
        scenarios = [s for s in SCENARIOS if s[0] in ("ceiling", "event_detail", "form", "submit")]
        for cfg in SWEEP:
            w, t, age = cfg
            log(f"sweep: workers {w}, threads {t}, CONN_MAX_AGE {age}")
            cfg_env = bench_env(database_url, secret_key, CONN_MAX_AGE=age)
            with Server(cfg_env, args.port, w, t, keepalive) as server:
                runs = load_runs(server, scenarios, meta, args.rounds, args.duration, database_url)
            rows.append((cfg, summarise(runs)))
        (BENCH / "sweep.md").write_text(sweep_report(rows, args), encoding="utf-8")
        log(f"wrote bench/sweep.md in {time.monotonic() - started:.0f} s")
        return

    server_cfg = (
        f"{workers} workers × {threads} thread{'s' if threads > 1 else ''}, keep-alive "
        f"{keepalive} s, CONN_MAX_AGE {conn_max_age}"
    )
    log(f"starting gunicorn: {server_cfg}")
    with Server(env, args.port, workers, threads, keepalive) as server:
        session = (OUT / "sessions.txt").read_text().splitlines()[-1].split()
        cookie = f"sessionid={session[0]}; csrftoken={session[1]}"
        token = (OUT / "manage_tokens.txt").read_text().splitlines()[0]
        detail = meta["detail_slug"]
        checks = {
            "ceiling": server.get("/bench/ceiling/"),
            "event_list": server.get("/"),
            "event_detail": server.get(f"/veranstaltungen/{detail}/"),
            "event_detail_session": server.get(f"/veranstaltungen/{detail}/", cookie),
            "form": server.get(f"/veranstaltungen/{detail}/anmeldung/", cookie),
            "manage": server.get(f"/anmeldung/{token}/"),
            "my_registrations": server.get("/meine-anmeldungen/", cookie),
            "sign_in": server.get("/anmelden/"),
        }
        bad = {k: status for k, (status, _) in checks.items() if status != 200}
        if bad:
            raise SystemExit(f"pages do not answer 200: {bad}; see bench/out/gunicorn.log")
        sizes = {k: size for k, (_, size) in checks.items()}
        only = {"ceiling", *filter(None, args.only.split(","))}
        scenarios = [sc for sc in SCENARIOS if not args.only or sc[0] in only]
        (OUT / "event_lock.log").unlink(missing_ok=True)
        runs = load_runs(server, scenarios, meta, args.rounds, args.duration, database_url)
    locks = lock_hold_times()
    if locks:
        log(f"event lock held: median {statistics.median(locks):.2f} ms over {len(locks)} submits")
    http = summarise(runs)
    submitted = offline(env, "submits")
    log(f"registrations made by the submit runs (last round's event kept): {submitted}")

    names = ("xlsx", "csv", "enqueue", "mail", "import_preview")
    if args.only_http or args.only:
        results = dict.fromkeys(names, {"missing": "skipped (--only-http or --only)"})
    else:
        log("XLSX export")
        results = {"xlsx": offline(env, "xlsx")}
        log("CSV streaming")
        results["csv"] = offline(env, "csv")
        log("enqueueing mail")
        results["enqueue"] = offline(env, "enqueue")
        log("mail worker")
        results["mail"] = mail_worker(env)
        log("directory import preview")
        results["import_preview"] = offline(env, "import-preview", str(IMPORT_PREVIEW_ROWS))

    text = report(args, meta, sizes, server_cfg, http, locks, results)
    (BENCH / "results.md").write_text(text, encoding="utf-8")
    log(f"wrote bench/results.md in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
