"""The benchmark's hooks live in bench/ (its settings, URLs and app), not in production code."""

import pytest
from django.core.management import get_commands
from django.test import override_settings

from console import settings as production


@pytest.mark.django_db
def test_the_baseline_page_is_served_under_the_bench_settings(client, user):
    assert client.get("/bench/baseline/").status_code == 302  # log-in required, like every page
    client.force_login(user)
    response = client.get("/bench/baseline/")
    assert response.status_code == 200
    assert response.content.decode() == f"ok {user.pk}"
    # and the console's own pages are still there
    assert client.get("/healthz").status_code == 200


def test_seed_scale_is_a_command_of_the_bench_app():
    assert get_commands()["seed_scale"] == "bench"


@pytest.mark.django_db
def test_production_settings_have_no_baseline_page_and_no_seed_command(client, user):
    assert "bench" not in production.INSTALLED_APPS
    assert production.ROOT_URLCONF == "console.urls"
    assert not hasattr(production, "BENCH_BASELINE")
    client.force_login(user)
    with override_settings(
        INSTALLED_APPS=production.INSTALLED_APPS, ROOT_URLCONF=production.ROOT_URLCONF
    ):
        assert client.get("/bench/baseline/").status_code == 404
        assert "seed_scale" not in get_commands()
