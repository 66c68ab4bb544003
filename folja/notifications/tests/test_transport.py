"""Real transports: mails received by an SMTP server the test starts (aiosmtpd), push messages by a
local push endpoint that verifies the VAPID signature and decrypts the payload (push_endpoint.py)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import zoneinfo

import pytest
import time_machine
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from folja.learninglog import notices as post_notices
from folja.notifications import digest, push
from folja.notifications.delivery import deliver_notices
from folja.notifications.models import Delivery, Notice, Preference, PushSubscription, Rhythm
from folja.notifications.tests.push_endpoint import PushEndpoint
from folja.testing.cast import build_cast

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 5, 4, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Stockholm"))


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    inbox = _Inbox()
    with socket.socket() as probe:  # a free port on 127.0.0.1 (aiosmtpd checks it is up by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


def test_the_digest_reaches_a_real_smtp_server_as_multipart_mail(smtp_server):
    cast = build_cast()
    for key in ("blue_group", "alva_individual"):
        post_notices.post_published(cast.posts[key])
    Preference.objects.create(person=cast.johan, language="en")

    with time_machine.travel(NOON.replace(hour=16), tick=False):
        counts = digest.send_digests(Rhythm.DAILY)

    assert counts["sent"] == 3
    received = {
        tuple(rcpt): email.message_from_bytes(raw, policy=email.policy.default)
        for _f, rcpt, raw in smtp_server.messages
    }
    assert set(received) == {("anna@example.se",), ("johan@example.se",), ("cecilia@example.se",)}
    anna = received[("anna@example.se",)]
    assert anna["Subject"] == "Nytt i Följa: 2 saker"
    assert anna.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in anna.iter_parts()] == ["text/plain", "text/html"]
    assert anna["List-Unsubscribe"].strip().startswith("<http") and anna["List-Unsubscribe-Post"]
    text = anna.get_body(("plain",)).get_content()
    assert "Nytt inlägg om Alva" in text and "Bertil" not in text
    johan = received[("johan@example.se",)]
    assert johan["Content-Language"] == "en" and "Alva" not in johan["Subject"]
    assert not any(part.get_content_maintype() == "image" for msg in received.values() for part in msg.walk())
    assert Delivery.objects.filter(kind="digest", outcome="sent").count() == 3
    assert not Notice.objects.filter(
        mailed_at__isnull=True, recipient__in=[cast.anna, cast.johan, cast.cecilia]
    ).exists()


@pytest.fixture
def vapid(settings, tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "vapid.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    settings.FOLJA_VAPID_PRIVATE_KEY = str(path)
    settings.FOLJA_VAPID_SUBJECT = "mailto:drift@exempelby.se"
    push.forget_keys()
    yield push.public_key()
    push.forget_keys()


def _subscribe(person, endpoint: PushEndpoint) -> PushSubscription:  # noqa: ANN001
    return PushSubscription.objects.create(person=person, label="Test", **endpoint.subscription)


def test_a_push_message_is_signed_with_vapid_encrypted_and_carries_no_child_data(vapid, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cast = build_cast()
    Preference.objects.create(person=cast.cecilia, rhythm=Rhythm.IMMEDIATE, email_enabled=False)
    with PushEndpoint() as endpoint:
        endpoint.expected_vapid_key = vapid
        device = _subscribe(cast.cecilia, endpoint)
        post_notices.post_published(cast.posts["blue_group"])
        [notice] = Notice.objects.filter(recipient=cast.cecilia)
        with time_machine.travel(NOON, tick=True):
            outcome = deliver_notices([notice.pk])
            again = deliver_notices([notice.pk])
    assert endpoint.errors == []
    assert outcome == {notice.pk: "e-mail off, push sent"}
    assert again == {notice.pk: "e-mail off, already handled"}
    [message] = endpoint.received
    assert message["title"] == "Nytt inlägg om ditt barn"
    assert message["body"] == "" and "Bertil" not in str(message)
    assert message["url"] == f"/posts/{cast.posts['blue_group'].uuid}/"
    device.refresh_from_db()
    assert device.last_success_at is not None


def test_names_in_push_only_when_the_person_opted_in(vapid):
    cast = build_cast()
    Preference.objects.create(person=cast.cecilia, rhythm=Rhythm.IMMEDIATE, email_enabled=False, push_names=True)
    with PushEndpoint() as endpoint:
        _subscribe(cast.cecilia, endpoint)
        post_notices.post_published(cast.posts["blue_group"])
        [notice] = Notice.objects.filter(recipient=cast.cecilia)
        with time_machine.travel(NOON, tick=True):
            deliver_notices([notice.pk])
    assert endpoint.errors == []
    assert "Bertil" in endpoint.received[0]["body"]


def test_a_dead_subscription_is_pruned(vapid):
    cast = build_cast()
    Preference.objects.create(person=cast.cecilia, rhythm=Rhythm.IMMEDIATE, email_enabled=False)
    with PushEndpoint(status=410) as endpoint:
        _subscribe(cast.cecilia, endpoint)
        post_notices.post_published(cast.posts["blue_group"])
        [notice] = Notice.objects.filter(recipient=cast.cecilia)
        with time_machine.travel(NOON, tick=True):
            outcome = deliver_notices([notice.pk])
    assert outcome == {notice.pk: "e-mail off, push gone"}
    assert not PushSubscription.objects.exists()
    assert Delivery.objects.get(channel="push").outcome == "push gone"
