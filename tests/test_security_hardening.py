"""Hardening from the security review: each test fails on the code as it was before."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

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
