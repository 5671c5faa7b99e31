"""Settings for Jahrestreffen, read from environment variables (see README, "Configuration")."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import CSV, XLSX

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The fallback key is public (it is in this file), so it serves development only: with DEBUG
# off the app refuses to start without a key of its own, since anyone could otherwise sign
# sign-in links and session cookies for any contact person or staff member.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-deploy"
SECRET_KEY = env.str("SECRET_KEY", default="") or (DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        'SECRET_KEY is not set or is a development key ("django-insecure…"), and DEBUG is off. '
        "Set SECRET_KEY to a long random value of your own "
        "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
        "or DEBUG=1 for development."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    # Before the admin: its admin widgets and the `_de`/`_en` fields of event texts.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.sitemaps",
    "import_export",
    "simple_history",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "events",
    "registrations",
]
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jahrestreffen.middleware.SecurityHeadersMiddleware",
    "jahrestreffen.proxies.ProxySettingCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "registrations.middleware.ContactPersonMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lock-out noted during the login into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jahrestreffen.urls"
WSGI_APPLICATION = "jahrestreffen.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite (`make run`, development) under parallel requests. A transaction that starts as a
    # reader and then writes fails at once with "database is locked" when another connection
    # wrote meanwhile, whatever the timeout; IMMEDIATE takes the write lock at BEGIN, where
    # waiting works. WAL lets readers go on while one connection writes; busy_timeout and
    # timeout make writers queue instead of failing.
    SQLITE_BUSY_TIMEOUT_SECONDS = env.int("SQLITE_BUSY_TIMEOUT_SECONDS", default=20)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000};"
            ),
        }
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://jahrestreffen")}

# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Event texts (events/translation.py) have a German and an English column; German is required,
# and a text without English shows the German one (templates mark it `lang="de"`).
MODELTRANSLATION_DEFAULT_LANGUAGE = "de"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("de",)
MODELTRANSLATION_PREPOPULATE_LANGUAGE = "de"
FORMAT_MODULE_PATH = ["jahrestreffen.formats"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded event images. In production the reverse proxy serves MEDIA_ROOT at MEDIA_URL.
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Event materials (events/storage.py): outside MEDIA_ROOT, never served by a static route;
# every download passes a view that checks access. MATERIALS_STORAGE_BACKEND may name an
# S3-compatible backend (e.g. storages.backends.s3.S3Storage, with its own settings).
MATERIALS_ROOT = env.path("MATERIALS_ROOT", default=BASE_DIR / "private" / "materials")
MATERIAL_MAX_UPLOAD_MB = env.int("MATERIAL_MAX_UPLOAD_MB", default=25)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "materials": {
        "BACKEND": env.str(
            "MATERIALS_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        # The URL the admin links a file with: a staff-only view (events.views), not a route
        # that serves the folder.
        "OPTIONS": {"location": str(MATERIALS_ROOT), "base_url": "/admin/unterlagen/"}
        if not env.str("MATERIALS_STORAGE_BACKEND", default="")
        else {},
    },
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# Mail: console in development (sign-in links show in the terminal), SMTP via EMAIL_URL in
# production, e.g. smtp+tls://user:password@mail.example.org:587
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Difu-Jahrestreffen <jahrestreffen@difu.de>"
)
# "Date:" in local time with its offset (+0100/+0200), not UTC written as "-0000".
EMAIL_USE_LOCALTIME = True
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Feedback on barriers (accessibility statement, events/migrations/0006).
ACCESSIBILITY_CONTACT_EMAIL = env.str(
    "ACCESSIBILITY_CONTACT_EMAIL", default="barrierefreiheit@difu.de"
)

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Directory import and export in the admin (django-import-export): CSV and XLSX only, each
# import in a transaction so a refused row can roll the whole file back.
IMPORT_FORMATS = [CSV, XLSX]
EXPORT_FORMATS = [CSV, XLSX]
IMPORT_EXPORT_USE_TRANSACTIONS = True
# Rows in one directory file (the whole directory has about 3,000 people).
DIRECTORY_IMPORT_MAX_ROWS = env.int("DIRECTORY_IMPORT_MAX_ROWS", default=10000)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGIN_URL = "admin:login"

# Security: strict by default once DEBUG is off; `manage.py check --deploy` stays silent.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe the health endpoint over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Number of reverse proxies in front of the app that append to X-Forwarded-For (0: none); the
# client's address is read from that header only then (jahrestreffen/proxies.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# X-Forwarded-Proto is believed only from a proxy of ours: without one, any client could send
# "https" over plain HTTP and be treated as secure.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT > 0 else None
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A refused form gets a page that explains it, in the site's look and language.
CSRF_FAILURE_VIEW = "jahrestreffen.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (jahrestreffen.middleware; the shape Django 6.0 reads as SECURE_CSP):
# no inline script or style anywhere, so an injected tag or attribute does nothing.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Browser features no page of the site uses, switched off.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    ]
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports every rendering step at INFO; only its warnings matter here.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}

# Staff login (the admin) against password guessing, by django-axes: after AXES_FAILURE_LIMIT
# failed attempts for one user name from one address, that pair is locked out for
# AXES_COOLOFF_MINUTES (each further attempt restarts the time). The pair, not the address
# alone, so an attacker cannot lock out the whole team, and not the user alone, so the
# attacker cannot lock out its owner. The address is the one the rate limits use
# (jahrestreffen/proxies.py), so TRUSTED_PROXY_COUNT must be right.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "jahrestreffen.proxies.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/login_locked_out.html"
# Data protection: no log of successful logins (address, browser) kept forever; failed attempts
# are deleted once their lock-out time is over. A lock-out ends by itself, or earlier with
# `manage.py axes_reset_username <name>`, so the admin needs no pages for these records.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False

# Sign-in by e-mail link (registrations app)
SIGN_IN_LINK_MAX_AGE = env.int("SIGN_IN_LINK_MAX_AGE", default=30 * 60)
SIGN_IN_RATE_WINDOW = env.int("SIGN_IN_RATE_WINDOW", default=15 * 60)
SIGN_IN_RATE_PER_ADDRESS = env.int("SIGN_IN_RATE_PER_ADDRESS", default=5)
SIGN_IN_RATE_PER_IP = env.int("SIGN_IN_RATE_PER_IP", default=30)
# A registrant's new e-mail address is taken once its owner follows the link mailed to it.
EMAIL_CHANGE_LINK_MAX_AGE = env.int("EMAIL_CHANGE_LINK_MAX_AGE", default=48 * 60 * 60)
# Registrations and cancellations send mail to the address typed in: at most this many per
# contact person (and per manage link) in the window, so the form is no mail relay.
REGISTRATION_RATE_PER_PERSON = env.int("REGISTRATION_RATE_PER_PERSON", default=20)
REGISTRATION_RATE_WINDOW = env.int("REGISTRATION_RATE_WINDOW", default=60 * 60)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
# Sessions are read on every signed-in request: from the shared cache, written through to the
# database (a restart or an evicted key costs one query, not the session). Only a cache all
# workers share may hold them: with the per-process local-memory cache a sign-out in one worker
# would leave the session alive in another's copy, so that cache keeps the database backend.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.db"
    if CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))
    else "jahrestreffen.sessions"  # cached_db, read along with the page versions
)
# The person behind a session is read from the cache too (registrations/selectors/viewer.py),
# on the same condition: a change drops the entry, and only a shared cache drops it everywhere.
CONTACT_PERSON_CACHE = SESSION_ENGINE == "jahrestreffen.sessions"
# Entries under versioned keys (pages, events, counts, shared HTML) are also copied into each
# process after their first read (events.cache.LocalCopies): only with a shared cache, which
# the versions are read from on every request.
LOCAL_CACHE_COPIES = SESSION_ENGINE == "jahrestreffen.sessions"

# Log how long each registration holds its event's row lock (logger registrations.event_lock):
# on in bench.settings, where `make bench` reports the median.
EVENT_LOCK_TIMING = False

# Audit trail (django-simple-history): history is read-only; a registration changes only
# through the services that apply the capacity rules.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Data protection: registrations are anonymised this many months after the event's last day
# (`manage.py anonymise_registrations`, run daily).
RETENTION_MONTHS = env.int("RETENTION_MONTHS", default=12)

# Outbox: a refused delivery is retried after 1, 2, 4, … times this many seconds.
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=60)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)

# Public event pages for visitors without a session are cached this long at most
# (events/cache.py; 0 turns it off). Any change to events or registrations invalidates them.
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=60)
