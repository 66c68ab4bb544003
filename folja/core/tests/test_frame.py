"""The page frame's parts rendered once per process (`{% samefor %}`) are what a fresh render gives."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Origin, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from folja.accounts.roles import Role
from folja.core.templatetags import frame
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in


def _without_tokens(html: str) -> str:
    # CSRF tokens are masked differently on every render; everything else must be equal.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)


def test_a_part_is_rendered_once_for_each_combination_of_the_values_it_names() -> None:
    frame.clear()
    source = "{% load frame %}{% samefor lang %}{{ lang }}:{{ count.next }}{% endsamefor %}"
    template = Template(source, origin=Origin("part-a.html"))
    counter = iter(range(100))

    class Count:
        def next(self) -> int:
            return next(counter)

    count = Count()
    first = [template.render(Context({"lang": lang, "count": count})) for lang in ("sv", "en", "sv", "en")]
    assert first == ["sv:0", "en:1", "sv:0", "en:1"]
    # The same values in another tag are another part.
    other = Template("{% load frame %}{% samefor lang %}[{{ lang }}]{% endsamefor %}", origin=Origin("part-b.html"))
    assert other.render(Context({"lang": "sv"})) == "[sv]"
    # A template from a string has no file to key its parts by: rendered every time.
    unnamed = Template(source)
    assert [unnamed.render(Context({"lang": "sv", "count": count})) for _ in range(2)] == ["sv:2", "sv:3"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "en"])
def test_pages_with_cached_frame_parts_are_the_pages_rendered_afresh(language: str, monkeypatch) -> None:
    cast = build_cast()
    visits = [
        (signed_in(cast.teacher_blue, Role.STAFF), reverse("learninglog:feed")),
        (signed_in(cast.minder_yellow, Role.STAFF), reverse("talks:overview")),
        (signed_in(cast.anna, Role.GUARDIAN), reverse("core:home")),
        (signed_in(cast.teacher_blue, Role.STAFF), reverse("core:home")),
    ]
    for client, _path in visits:
        client.cookies["django_language"] = language

    def pages() -> list[str]:
        rendered = []
        for client, path in visits:
            response = client.get(path)
            assert response.status_code == 200, path
            rendered.append(_without_tokens(response.content.decode()))
        return rendered

    frame.clear()
    cached = pages()  # each part rendered for its first visitor, then copied for the others
    again = pages()  # every part from memory
    monkeypatch.setattr(frame, "ENABLED", False)
    fresh = pages()
    assert cached == again == fresh
    for page in cached:
        assert page.count("<footer") == 1 and page.count('class="lang-form"') == 1 and page.count("app.css") == 1
        assert reverse("core:accessibility") in page
    feed, talks, guardian_home, staff_home = cached
    assert 'aria-current="page">' in feed.split(reverse("learninglog:feed"))[1][:40]
    assert cast.teacher_blue.full_name in feed and cast.minder_yellow.full_name in talks
    assert reverse("learninglog:feed") not in guardian_home  # the staff menu is not a guardian's
    with translation.override(language):
        menu_item, log_out = translation.gettext("Flöde"), translation.gettext("Logga ut")
    assert f">{menu_item}</a>" in staff_home and f">{menu_item}</a>" not in guardian_home
    assert log_out in staff_home and log_out in guardian_home
    switch = "Svenska" if language == "en" else "English"  # the language switch offers the other one
    assert all(f'lang="{"sv" if language == "en" else "en"}">{switch}</button>' in page for page in cached)


def test_the_frame_renders_without_a_viewer_or_a_resolved_page() -> None:
    frame.clear()
    request = RequestFactory().get("/nowhere/")
    from django.template.loader import render_to_string

    html = _without_tokens(render_to_string("base.html", {}, request=request))
    assert html == _without_tokens(render_to_string("base.html", {}, request=request))
    assert reverse("core:accessibility") in html


def test_a_changed_file_in_development_forgets_the_parts() -> None:
    from pathlib import Path

    from django.utils.autoreload import file_changed

    template = Template("{% load frame %}{% samefor %}{{ n }}{% endsamefor %}", origin=Origin("part-c.html"))
    assert template.render(Context({"n": 1})) == "1"
    assert template.render(Context({"n": 2})) == "1"
    file_changed.send(sender=None, file_path=Path("folja/templates/base.html"))
    assert template.render(Context({"n": 2})) == "2"
