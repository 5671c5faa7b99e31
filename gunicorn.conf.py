"""gunicorn settings for production; gunicorn reads ./gunicorn.conf.py when started here.

The defaults are the ones `make bench` measured best on a two-core machine (bench/sweep.md,
bench/results.md); override them per host with the environment variables.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# 2 processes × 4 threads beat 3 or 5 single-threaded workers on two cores: a request mostly
# waits for PostgreSQL, and threads overlap those waits (bench/sweep.md).
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# With more than one thread gunicorn uses its gthread worker, which keeps connections alive.
worker_class = "gthread" if threads > 1 else "sync"
# Persistent database connections: opening one per request cost more than the page's queries.
# Set here so every worker inherits it; each thread keeps its own connection (workers × threads
# connections in all).
conn_max_age = os.environ.setdefault("CONN_MAX_AGE", "60")
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# The TLS-terminating proxy runs on the same host and sets X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
