"""Finding F8: every HTML page carries a strict Content-Security-Policy, and nothing needs a weaker one.

The header is read as a browser would (no import of the library that writes it), on each kind of
page: public, guardian, staff, sign-in, error pages and the admin's login. The templates, the
project's scripts and the SVG the server generates are scanned for inline code the policy would
block; tests_browser/ checks in Chromium that no page of the journeys reports a violation.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from folja.access.roles import Role
from folja.testing import sessions
from folja.testing.cast import build_cast

REPO = Path(__file__).resolve().parents[3]
WILDCARDS = {"*", "https:", "http:", "data:", "blob:"}


def directives(response) -> dict[str, list[str]]:
    """Return the response's Content-Security-Policy as {directive: [sources]}; {} without one."""
    header = response.get("Content-Security-Policy", "")
    found: dict[str, list[str]] = {}
    for part in header.split(";"):
        if part.strip():
            name, *values = part.split()
            found[name.lower()] = values
    return found


def strictness_problems(policy: dict[str, list[str]], *, forms_anywhere: bool = False) -> list[str]:
    """Return what makes the policy weaker than the one every page must carry."""
    if not policy:
        return ["no Content-Security-Policy header"]
    problems = []
    expected = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],  # no 'unsafe-inline', 'unsafe-eval', nonce or hash: no inline code at all
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    for name, sources in expected.items():
        if policy.get(name) != sources:
            problems.append(f"{name} is {policy.get(name)}, expected {sources}")
    form_action = policy.get("form-action", [])
    if form_action[:1] != ["'self'"]:
        problems.append(f"form-action is {form_action}, expected 'self' first")
    if not forms_anywhere and WILDCARDS & set(form_action):
        problems.append(f"form-action {form_action} lets forms post anywhere")
    for name in ("img-src", "media-src", "connect-src", "font-src"):
        if WILDCARDS & set(policy.get(name, ["'self'"])) or "'unsafe-inline'" in policy.get(name, []):
            problems.append(f"{name} {policy.get(name)} is a wildcard")
    return problems


@pytest.mark.django_db
def test_f8_every_html_page_carries_a_strict_content_security_policy():
    cast = build_cast()
    anonymous = Client()
    guardian = sessions.signed_in(cast.anna, Role.GUARDIAN)
    staff = sessions.signed_in(cast.teacher_blue, Role.STAFF)
    other_family = sessions.signed_in(cast.pia, Role.GUARDIAN)
    post = cast.posts["alva_individual"]
    pages = [
        ("welcome", anonymous, reverse("core:home"), 200),
        ("accessibility statement", anonymous, reverse("core:accessibility"), 200),
        ("sign-in, step 1", anonymous, reverse("accounts:login"), 200),
        ("guardian start page", guardian, reverse("core:home"), 200),
        ("guardian timeline", guardian, reverse("learninglog:timeline", args=[cast.alva.uuid]), 200),
        ("guardian post", guardian, reverse("learninglog:post", args=[post.uuid]), 200),
        ("staff start page", staff, reverse("core:home"), 200),
        ("staff feed", staff, reverse("learninglog:feed"), 200),
        ("staff compose", staff, reverse("learninglog:compose") + f"?group={cast.blue.uuid}", 200),
        ("staff coverage heatmap", staff, reverse("curriculum:group_coverage", args=[cast.blue.uuid]), 200),
        ("staff talks", staff, reverse("talks:overview"), 200),
        ("page not found", anonymous, "/no-such-page/", 404),
        ("post of another family", other_family, reverse("learninglog:post", args=[post.uuid]), 404),
        ("admin login", anonymous, "/admin/login/", 200),
    ]  # fmt: skip

    problems = []
    for label, client, url, status in pages:
        response = client.get(url)
        assert response.status_code == status, f"{label}: {url} answered {response.status_code}"
        assert response["Content-Type"].startswith("text/html"), label
        problems += [f"{label} ({url}): {problem}" for problem in strictness_problems(directives(response))]
    # A form sent without its CSRF token: Django's own failure page styles itself inline.
    refused = Client(enforce_csrf_checks=True).post(reverse("accounts:logout"))
    assert refused.status_code == 403
    problems += [f"CSRF failure page: {problem}" for problem in strictness_problems(directives(refused))]
    if b"<style" in refused.content:
        problems.append("CSRF failure page: an inline <style> element")

    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_sign_in_method_page_alone_lets_its_forms_reach_identity_providers():
    """Its forms start BankID, the e-ID broker or an organisation's SSO, answered by a redirect to the
    provider; Chromium applies form-action to that redirect, and the IdPs are configured in the admin."""
    client = Client()

    method_page = directives(client.get(reverse("accounts:login_role", args=[Role.STAFF.value])))
    role_page = directives(client.get(reverse("accounts:login")))

    assert strictness_problems(method_page, forms_anywhere=True) == []
    assert "https:" in method_page["form-action"]
    assert role_page["form-action"] == ["'self'"]


@pytest.mark.django_db
def test_media_files_keep_their_own_stricter_policy(django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from folja.media.actions import media_attach
    from folja.media.serving import CONTENT_SECURITY_POLICY
    from folja.media.tests import samples

    cast = build_cast()
    with django_capture_on_commit_callbacks(execute=True):
        media = media_attach(
            actor=cast.teacher_blue,
            post=cast.posts["alva_individual"],
            upload=SimpleUploadedFile("koja.jpg", samples.jpeg_with_gps((80, 60)), content_type="image/jpeg"),
        )
    guardian = sessions.signed_in(cast.anna, Role.GUARDIAN)

    for url in (reverse("media:file", args=[media.uuid]), reverse("media:rendition", args=[media.uuid, "320"])):
        response = guardian.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
    page = guardian.get(reverse("media:page", args=[media.uuid]))
    assert strictness_problems(directives(page)) == []


# --- nothing in the code needs 'unsafe-inline' -------------------------------------------------

_DJANGO_TAG = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
_HTML_TAG = re.compile(r"<([a-zA-Z][\w:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
_INLINE_ATTRIBUTE = re.compile(r"(?:^|\s)(style|on[a-z]+)\s*=", re.I)
_SCRIPT_WITH_BODY = re.compile(r"<script\b[^>]*>\s*[^<\s]", re.I)
_NOT_CODE = re.compile(r"""\btype\s*=\s*["']?application/(?:ld\+)?json""", re.I)


def template_dirs() -> list[Path]:
    """Return the project's template folders: the shared one and every Följa app's own."""
    dirs = [Path(d) for engine in settings.TEMPLATES for d in engine["DIRS"]]
    dirs += sorted((REPO / "folja").glob("*/templates"))
    return [d for d in dirs if d.is_dir()]


def inline_code(source: str) -> list[str]:
    """Return the inline scripts, styles, event handlers and javascript: URLs in a template's source."""
    html = _DJANGO_TAG.sub(" ", source)
    found = []
    for match in _SCRIPT_WITH_BODY.finditer(html):
        if not _NOT_CODE.search(match.group(0)):
            found.append(f"inline <script>: {match.group(0)[:60]!r}")
    if re.search(r"<style\b", html, re.I):
        found.append("a <style> element")
    for tag in _HTML_TAG.finditer(html):
        for attribute in _INLINE_ATTRIBUTE.finditer(tag.group(2)):
            found.append(f"{attribute.group(1)}= on <{tag.group(1)}>")
    if re.search(r"""=\s*["']?\s*javascript:""", html, re.I):
        found.append("a javascript: URL")
    return found


def test_the_scanner_finds_each_kind_of_inline_code():
    planted = (
        '<li style="list-style:none"><button onclick="go()">x</button><script>alert(1)</script>'
        '<style>p{}</style><a href="javascript:go()">y</a><svg><rect style="fill:red"/></svg>'
    )
    allowed = (
        '<script src="{% static "folja/app.js" %}" defer></script><p class="{% if a > b %}x{% endif %}">'
        '<script type="application/json" id="data">{"a": 1}</script><rect fill="#fff"/>'
    )

    assert len(inline_code(planted)) == 6
    assert inline_code(allowed) == []


def test_no_template_has_inline_script_style_or_event_handler():
    templates = [path for folder in template_dirs() for path in sorted(folder.rglob("*.html"))]
    assert any(path.name == "base.html" for path in templates), template_dirs()
    # E-mails are not pages: no Content-Security-Policy applies, and mail programs need inline styles.
    templates = [path for path in templates if "notifications/email" not in path.as_posix()]

    found = [
        f"{path.relative_to(REPO)}: {problem}"
        for path in templates
        for problem in inline_code(path.read_text(encoding="utf-8"))
    ]

    assert not found, "Move these to folja/static/folja/app.css or app.js:\n" + "\n".join(found)


def test_the_project_scripts_and_generated_svg_need_no_unsafe_inline_or_eval():
    from folja.accounts.bankid.qr import qr_svg

    forbidden = re.compile(
        r"""setAttribute\(\s*["'](?:style|on[a-z]+)["']|\beval\(|new\s+Function\(|set(?:Timeout|Interval)\(\s*["'`]"""
        r"""|\.on[a-z]+\s*=\s*["'`]|(?:innerHTML|outerHTML|insertAdjacentHTML)[^;]*style\s*="""
    )
    scripts = sorted((REPO / "folja" / "static").rglob("*.js"))
    assert scripts

    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in scripts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if forbidden.search(line)
    ]
    found += [f"BankID QR code: {problem}" for problem in inline_code(qr_svg("bankid.token.1.code"))]

    assert not found, "\n".join(found)


# --- the policy follows the deployment's settings ----------------------------------------------


def test_an_origin_setting_takes_urls_and_refuses_anything_else_naming_the_variable():
    from django.core.exceptions import ImproperlyConfigured

    from config.csp import origin, s3_origins

    assert origin("https://cdn.example.se/media/", "X") == "https://cdn.example.se"
    assert origin("https://S3.Example.se:9000", "X") == "https://s3.example.se:9000"
    assert s3_origins(bucket="folja", endpoint_url="", region="eu-north-1") == [
        "https://folja.s3.amazonaws.com",
        "https://folja.s3.eu-north-1.amazonaws.com",
    ]
    for bad in ("cdn.example.se", "ftp://cdn.example.se", "https://", "'unsafe-inline'", "*"):
        with pytest.raises(ImproperlyConfigured, match="FOLJA_CSP_MEDIA_ORIGINS"):
            origin(bad, "FOLJA_CSP_MEDIA_ORIGINS")


def test_signed_s3_urls_a_cdn_and_the_e_id_broker_are_added_from_the_settings():
    """Photos and films redirect to signed URLs of the bucket; signing out of the broker redirects there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOLJA_", "PYTEST_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "FOLJA_DEBUG": "1",
            "FOLJA_MEDIA_STORAGE": "s3",
            "FOLJA_S3_BUCKET": "folja-media",
            "FOLJA_S3_ENDPOINT_URL": "https://objects.example.se:8443",
            "FOLJA_CSP_MEDIA_ORIGINS": "https://cdn.example.se/folja/",
            "FOLJA_OIDC_ISSUER": "https://broker.example.se/oidc",
            "FOLJA_CSP_FORM_ACTION": "https://logout.example.se",
        }
    )
    show = "import json; from django.conf import settings as s; print(json.dumps(s.CONTENT_SECURITY_POLICY))"
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", show],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    policy = json.loads(done.stdout.strip().splitlines()[-1])["DIRECTIVES"]

    for name in ("img-src", "media-src"):
        assert policy[name] == ["'self'", "https://objects.example.se:8443", "https://cdn.example.se"], name
    assert policy["form-action"] == ["'self'", "https://broker.example.se", "https://logout.example.se"]
    assert policy["script-src"] == policy["style-src"] == ["'self'"]
