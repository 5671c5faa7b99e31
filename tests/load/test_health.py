"""/healthz: database, migrations and the mail worker, as JSON with 200 or 503."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jahrestreffen import health

pytestmark = pytest.mark.django_db

ALL_OK = {"database": "ok", "migrations": "ok", "worker": "ok", "mail": "ok", "proxy": "ok"}


@pytest.fixture(autouse=True)
def _fresh_checks():
    health._migrations_checked.clear()
    cache.delete("health:heartbeat")
    yield
    health._migrations_checked.clear()
    cache.delete("health:heartbeat")


def queued_task(*, waiting: timedelta, run_after=None) -> DBTaskResult:
    result = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="registrations.tasks.send_registration_confirmation",
        backend_name="default",
        run_after=run_after or timezone.now() - waiting,
    )
    DBTaskResult.objects.filter(pk=result.pk).update(enqueued_at=timezone.now() - waiting)
    return result


def test_healthy_site_answers_200_with_all_checks_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == ALL_OK
    assert response["Cache-Control"].startswith("max-age=0")


def test_health_is_outside_the_language_prefixes(client):
    assert client.get("/en/healthz").status_code == 404


def test_health_costs_a_few_queries_once_migrations_are_checked(
    client, database_task_queue, django_assert_max_num_queries
):
    client.get("/healthz")

    with django_assert_max_num_queries(3):  # database, worker queue, outbox
        response = client.get("/healthz")

    assert response.json() == ALL_OK


def test_migration_check_is_cached(client, monkeypatch):
    calls = []
    plan = MigrationExecutor.migration_plan
    monkeypatch.setattr(
        MigrationExecutor,
        "migration_plan",
        lambda self, targets: calls.append(1) or plan(self, targets),
    )

    for _ in range(3):
        client.get("/healthz")

    assert len(calls) == 1


def test_unapplied_migrations_answer_503(client, monkeypatch):
    monkeypatch.setattr(
        MigrationExecutor, "migration_plan", lambda self, targets: [("registrations", False)] * 2
    )

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["migrations"] == "2 unapplied"


def test_unreachable_database_answers_503(client, monkeypatch):
    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "database": "unreachable: OperationalError",
        "migrations": "not checked",
        "worker": "not checked",
        "mail": "not checked",
        "proxy": "ok",
    }


def test_worker_keeping_up_with_the_queue_is_ok(client, database_task_queue):
    queued_task(waiting=timedelta(seconds=20))

    assert client.get("/healthz").json()["worker"] == "ok"


def test_task_waiting_too_long_means_no_worker_answers_503(client, database_task_queue):
    queued_task(waiting=timedelta(minutes=10))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["worker"].startswith("stalled: a task has waited 6")


def test_task_scheduled_for_later_does_not_count_as_waiting(client, database_task_queue):
    queued_task(waiting=timedelta(hours=1), run_after=timezone.now() + timedelta(minutes=5))

    assert client.get("/healthz").status_code == 200


def test_finished_tasks_do_not_count(client, database_task_queue):
    task = queued_task(waiting=timedelta(hours=1))
    DBTaskResult.objects.filter(pk=task.pk).update(
        status="SUCCESSFUL", started_at=timezone.now(), finished_at=timezone.now()
    )

    assert client.get("/healthz").status_code == 200


def test_idle_queue_gets_a_heartbeat_task_once_per_interval(client, database_task_queue):
    for _ in range(3):
        client.get("/healthz")

    heartbeats = DBTaskResult.objects.filter(task_path="jahrestreffen.health.heartbeat")
    assert heartbeats.count() == 1
    assert heartbeats.get().status == "READY"


def test_heartbeat_nobody_runs_turns_the_check_red(client, database_task_queue, settings):
    client.get("/healthz")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=6))

    assert client.get("/healthz").json()["worker"].startswith("stalled")


def test_heartbeat_keeps_only_the_last_hour_of_its_results(database_task_queue):
    old = queued_task(waiting=timedelta(hours=3))
    DBTaskResult.objects.filter(pk=old.pk).update(
        task_path="jahrestreffen.health.heartbeat",
        status="SUCCESSFUL",
        finished_at=timezone.now() - timedelta(hours=2),
    )
    other = queued_task(waiting=timedelta(hours=3))

    health.heartbeat.call()

    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [other.pk]


def test_without_a_database_task_queue_there_is_no_worker_to_watch(client):
    # tests/conftest.py runs tasks in the request (immediate backend).
    assert client.get("/healthz").json()["worker"] == "ok"
    assert not DBTaskResult.objects.exists()
