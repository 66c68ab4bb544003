"""Links in e-mails start with FOLJA_BASE_URL, whatever address the server runs at."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import resolve

from folja.directory.models import Email, EmailType, Person
from folja.notifications.api import deliver, notify

pytestmark = pytest.mark.django_db


def _guardian() -> Person:
    person = Person.objects.create(given_name="Cecilia", family_name="Berg", civic_number=None)
    Email.objects.create(person=person, value="cecilia@example.se", type=EmailType.PRIVATE)
    return person


def _links(body: str) -> list[str]:
    return [word for word in body.split() if word.startswith(("http://", "https://"))]


@pytest.mark.parametrize("base_url", ["https://folja.exempelby.se", "https://exempelby.se/folja"])
def test_an_e_mail_links_to_the_configured_address(settings, django_capture_on_commit_callbacks, base_url):
    settings.FOLJA_BASE_URL = base_url
    talk = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[_guardian()],
            kind="talk_booking_changed",
            context={
                "event": "booked",
                "child_given_name": "Alma",
                "starts": "1 mars 10.00",
                "minutes": 30,
                "place": "",
                "video": False,
                "talk_uuid": str(talk),
            },
        )

    [message] = mail.outbox
    [link] = _links(message.body)
    assert link.startswith(base_url + "/")
    assert "localhost" not in message.body
    path = urlsplit(link).path.removeprefix(urlsplit(base_url).path)
    match = resolve(path)
    assert match.view_name == "talks:talk" and match.kwargs["talk_uuid"] == talk


def test_a_trailing_slash_in_the_setting_gives_no_double_slash(settings):
    settings.FOLJA_BASE_URL = "https://folja.exempelby.se/"
    notice = notify(recipients=[_guardian()], kind="talk_slots_published", context={"unit": "Solrosen", "count": 2})[0]

    assert deliver(notice.pk) == "sent"

    assert _links(mail.outbox[0].body) == ["https://folja.exempelby.se/"]
