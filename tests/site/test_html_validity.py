"""Every public and registrant page is valid HTML, as the W3C Nu checker (vnu) reads it.

The checker is a Java program; `make test` installs it into .tools/ (VNU_JAR overrides the path).
All pages are saved first and checked in one run, because starting Java takes a few seconds.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.utils import translation
from django.views import defaults

from jahrestreffen.views import csrf_failure
from tests.site.pages import build_pages, fetch

BASE_DIR = Path(__file__).resolve().parents[2]
VNU_JAR = Path(
    os.environ.get("VNU_JAR", BASE_DIR / ".tools/node_modules/vnu-jar/build/dist/vnu.jar")
)


def vnu_errors(files: list[Path]) -> list[str]:
    java = shutil.which("java")
    if not VNU_JAR.exists() or not java:
        pytest.fail(f"The Nu checker needs Java and {VNU_JAR}: run `make test` (or `make tools`).")
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "gnu", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.mark.django_db
def test_every_public_and_registrant_page_is_valid_html(tmp_path):
    pages, clients = build_pages()
    files = []
    for index, page in enumerate(pages):
        response = fetch(page, clients)
        assert response.status_code == page.status, (page, response.status_code)
        assert response["Content-Type"].startswith("text/html"), page
        assert page.shows in response.content.decode(), page
        slug = re.sub(r"[^a-z0-9]+", "-", page.name)
        path = tmp_path / f"{index:02d}-{slug}{'-en' if page.path.startswith('/en/') else ''}.html"
        path.write_bytes(response.content)
        files.append(path)

    for language in ["de", "en"]:
        with translation.override(language):
            pages_without_route = {
                "server-error": defaults.server_error(RequestFactory().get("/")),
                "csrf-failure": csrf_failure(RequestFactory().post("/")),
            }
        for name, response in pages_without_route.items():
            path = tmp_path / f"{name}-{language}.html"
            path.write_bytes(response.content)
            files.append(path)

    errors = vnu_errors(files)

    assert errors == [], "\n".join(errors)


def test_checker_reports_invalid_markup(tmp_path):
    """The check can fail: a page with known errors is reported."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!doctype html><html lang="de"><head><title>x</title></head>'
        '<body><div novalidate><time datetime="2020-06-04 10:00:00.123456+00:00">x</time>'
        "</div></body></html>"
    )

    errors = vnu_errors([bad])

    assert any("novalidate" in e for e in errors), errors
    assert any("datetime" in e for e in errors), errors
