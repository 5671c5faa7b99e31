"""GET (or HEAD) /healthz: is the database reachable, are all migrations applied, is a worker
sending mail, and does the proxy setting fit the requests?

Answers JSON `{"database": …, "migrations": …, "worker": …, "mail": …, "proxy": …}`, each "ok"
or a short reason, with status 200 when the first three are "ok" and 503 otherwise. "mail"
("degraded: 2 failed, 0 stuck") and "proxy" are warnings
for whoever reads the answer, not an outage: the site works, only its client addresses are
wrong (see jahrestreffen/proxies.py), so a load balancer must not take the instance out.

The worker check. django-tasks-db keeps no heartbeat, and the time of the last finished task says
nothing in a quiet week. What matters is whether queued work gets done, so the check looks at the
oldest task that is due and still waits to be picked up: waiting longer than
`HEALTH_WORKER_MAX_DELAY` seconds means no worker drains the queue. So that a dead worker shows
when no mail is being sent, the endpoint enqueues a no-op `heartbeat` task at most every
`HEALTH_HEARTBEAT_INTERVAL` seconds: if no worker runs it, it becomes that overdue task. The
heartbeat deletes its own earlier results, so the table does not fill up with them.

Cost per request: one `SELECT 1`, one aggregate over the ready tasks (an index covers it), one
over the outbox (failed and stuck mail), and,
once a minute per process, the migration plan (cached in between: it reads every migration
file).
"""

import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Case, Count, F, Min, Q, When
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks import task, task_backends
from django_tasks_db.backend import DatabaseBackend

from registrations.mail.delivery import enqueue_delivery
from registrations.models import OutboxMessage

from .proxies import unexpected_forwarded_header_seen

MIGRATIONS_CACHE_SECONDS = 60
OK = "ok"

_migrations_checked: dict[str, tuple[float, str]] = {}


def _max_delay() -> int:
    return getattr(settings, "HEALTH_WORKER_MAX_DELAY", 300)


def _heartbeat_interval() -> int:
    return getattr(settings, "HEALTH_HEARTBEAT_INTERVAL", 60)


@task()
def heartbeat() -> None:
    """Run by the worker; its results are the proof. Keeps only the latest hour of them."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(
        task_path=f"{__name__}.heartbeat",
        finished_at__lt=timezone.now() - timedelta(hours=1),
    ).delete()


def check_database() -> str:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return f"unreachable: {exc.__class__.__name__}"
    return OK


def check_migrations() -> str:
    checked = _migrations_checked.get(DEFAULT_DB_ALIAS)
    if checked and time.monotonic() - checked[0] < MIGRATIONS_CACHE_SECONDS:
        return checked[1]
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return f"not readable: {exc.__class__.__name__}"
    result = OK if not plan else f"{len(plan)} unapplied"
    _migrations_checked[DEFAULT_DB_ALIAS] = (time.monotonic(), result)
    return result


def _database_backends() -> list[str]:
    return [alias for alias in settings.TASKS if isinstance(task_backends[alias], DatabaseBackend)]


def check_worker() -> str:
    from django_tasks_db.models import DBTaskResult, get_date_max

    aliases = _database_backends()
    if not aliases:
        return OK  # tasks run in the request (immediate backend): there is no worker to watch
    now = timezone.now()
    try:
        due_since = (
            DBTaskResult.objects.ready()
            .filter(backend_name__in=aliases)
            .aggregate(
                due=Min(
                    Case(
                        When(run_after=get_date_max(), then=F("enqueued_at")),
                        default=F("run_after"),
                    )
                )
            )["due"]
        )
    except DatabaseError as exc:
        return f"queue not readable: {exc.__class__.__name__}"
    if due_since is not None and (now - due_since).total_seconds() > _max_delay():
        return f"stalled: a task has waited {int((now - due_since).total_seconds())} s"
    if cache.add("health:heartbeat", now.isoformat(), timeout=_heartbeat_interval()):
        heartbeat.using(backend=aliases[0]).enqueue()
    return OK


def check_mail() -> str:
    """Mail that failed for good, or is stuck: "degraded" for whoever reads the answer, not
    an outage (the site works; staff see the failed mails in the outbox and retry them)."""
    stuck_rows = OutboxMessage.objects.stuck().values("pk")
    counts = OutboxMessage.objects.aggregate(
        failed=Count("pk", filter=Q(status=OutboxMessage.Status.FAILED)),
        stuck=Count("pk", filter=Q(pk__in=stuck_rows)),
    )
    failed, stuck = counts["failed"], counts["stuck"]
    if stuck and cache.add("health:stuck-mail", 1, timeout=_heartbeat_interval()):
        # Handed to the worker again; the next worker run would also sweep them up.
        enqueue_delivery(list(OutboxMessage.objects.stuck().values_list("pk", flat=True)[:100]))
    if failed or stuck:
        return f"degraded: {failed} failed, {stuck} stuck"
    return OK


def check_proxy() -> str:
    if unexpected_forwarded_header_seen():
        return (
            "warning: requests come with X-Forwarded-For but TRUSTED_PROXY_COUNT is 0; "
            "the setting is likely wrong"
        )
    return OK


@never_cache
@require_safe
def healthz(request):
    report = {"database": check_database()}
    if report["database"] == OK:
        report["migrations"] = check_migrations()
        report["worker"] = check_worker()
    else:
        report["migrations"] = report["worker"] = "not checked"
    healthy = all(value == OK for value in report.values())
    report["mail"] = check_mail() if report["database"] == OK else "not checked"
    report["proxy"] = check_proxy()
    return JsonResponse(report, status=200 if healthy else 503)
