"""Production settings: `check --deploy` is silent once DEBUG is off and real values are set,
and the app refuses to start in production on the public development key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(extra_env: dict, *args: str) -> subprocess.CompletedProcess:
    # manage.py picks jahrestreffen.settings; the suite's own settings module (which brings a
    # test key) must not leak into the subprocess.
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "SECURE_SSL_REDIRECT",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _check(extra_env: dict) -> subprocess.CompletedProcess:
    return _manage(extra_env, "check", "--deploy", "--fail-level", "WARNING")


def test_check_deploy_reports_nothing_in_production_settings():
    result = _check(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x7!kq2-production-like-secret-key-with-enough-entropy-0123456789abcdef",
            "ALLOWED_HOSTS": "jahrestreffen.difu.de",
            "CSRF_TRUSTED_ORIGINS": "https://jahrestreffen.difu.de",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _check({"DEBUG": "0", "ALLOWED_HOSTS": "jahrestreffen.difu.de"})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_with_a_development_key():
    result = _check(
        {
            "DEBUG": "0",
            "SECRET_KEY": "django-insecure-0123456789abcdefghijklmnopqrstuvwxyz0123456789",
            "ALLOWED_HOSTS": "jahrestreffen.difu.de",
        }
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_development_starts_without_a_secret_key():
    result = _manage({"DEBUG": "1"}, "check")

    assert result.returncode == 0, result.stdout + result.stderr


def test_benchmark_settings_start_with_the_key_make_bench_gives_them():
    result = _manage(
        {
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + "k" * 60,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
        },
        "check",
    )

    assert result.returncode == 0, result.stdout + result.stderr
