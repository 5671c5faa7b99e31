"""Production settings: `check --deploy` is silent once DEBUG is off and real values are set."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _check(extra_env: dict) -> subprocess.CompletedProcess:
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
        }
    }
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


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


def test_check_deploy_flags_the_development_key():
    result = _check({"DEBUG": "0", "ALLOWED_HOSTS": "jahrestreffen.difu.de"})
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr
