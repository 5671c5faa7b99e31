"""Settings for `make bench` only: production settings plus the ceiling view and bench limits.

gunicorn runs with DJANGO_SETTINGS_MODULE=bench.settings, so the ceiling view and the raised
rate limits exist in the benchmark run and nowhere else.
"""

from jahrestreffen.settings import *  # noqa: F403
from jahrestreffen.settings import BASE_DIR, INSTALLED_APPS, TEMPLATES

# The bench volume (`manage.py load_bench_data`) is the benchmark's own command.
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

OUT_DIR = BASE_DIR / "bench" / "out"

ROOT_URLCONF = "bench.urls"

# The ceiling page is generated per run (same size as the event detail page) into bench/out.
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], OUT_DIR / "templates"]}]

# Collected static files of the bench run stay out of the project's staticfiles/.
STATIC_ROOT = OUT_DIR / "staticfiles"

# Sign-in requests come from one address for thousands of people: the limits that protect
# production would answer 429 after the first few requests.
SIGN_IN_RATE_PER_ADDRESS = 10**9
SIGN_IN_RATE_PER_IP = 10**9

# Each registration's hold of the event lock, one line (milliseconds) per committed transaction,
# appended by every worker; bench/run.py reports the median of the submit runs.
EVENT_LOCK_TIMING = True
EVENT_LOCK_LOG = OUT_DIR / "event_lock.log"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"bare": {"format": "%(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "event_lock": {
            "class": "logging.FileHandler",
            "filename": str(EVENT_LOCK_LOG),
            "formatter": "bare",
            "delay": True,
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "registrations.event_lock": {
            "handlers": ["event_lock"],
            "level": "INFO",
            "propagate": False,
        }
    },
}
