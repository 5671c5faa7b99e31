"""Hardening from the security review: each test fails on the code as it was before."""

import io
import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command

from jahrestreffen import proxies
from registrations.views import client_ip


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
