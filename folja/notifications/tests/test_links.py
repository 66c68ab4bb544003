"""Links in e-mails start with FOLJA_BASE_URL, whatever address the server runs at."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.urls import resolve

from folja.learninglog import notices as post_notices
from folja.notifications.models import Preference, Rhythm
from folja.testing.cast import build_cast

pytestmark = pytest.mark.django_db

NOON = dt.datetime.combine(dt.date.today(), dt.time(12), tzinfo=zoneinfo.ZoneInfo("Europe/Stockholm"))


def _links(body: str) -> list[str]:
    return [word for word in body.split() if word.startswith(("http://", "https://"))]


@pytest.mark.parametrize("base_url", ["https://folja.exempelby.se", "https://exempelby.se/folja/"])
def test_an_e_mail_links_to_the_configured_address(settings, django_capture_on_commit_callbacks, base_url):
    settings.FOLJA_BASE_URL = base_url
    cast = build_cast()
    Preference.objects.create(person=cast.cecilia, rhythm=Rhythm.IMMEDIATE)
    post = cast.posts["blue_group"]
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        post_notices.post_published(post)

    [message] = [m for m in mail.outbox if m.to == ["cecilia@example.se"]]
    links = _links(message.body)
    base = base_url.rstrip("/")
    assert links and all(link.startswith(base + "/") for link in links)
    assert not any("//" in urlsplit(link).path for link in links)
    assert "localhost" not in message.body
    path = urlsplit(links[0]).path.removeprefix(urlsplit(base).path)
    match = resolve(path)
    assert match.view_name == "learninglog:post" and match.kwargs["post_uuid"] == post.uuid
