"""The one function other apps call to tell persons about something: `notify`."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from folja.directory.models import EmailType, Person
from folja.notifications.models import Channel, Notice, Preference

logger = logging.getLogger(__name__)

JsonValue = str | int | float | bool | None


def notify(*, recipients: Iterable[Person], kind: str, context: dict[str, JsonValue]) -> list[Notice]:
    """Store one notice per recipient and send each by e-mail in a background task after commit.

    `kind` names the templates `notifications/<kind>_subject.txt` and `notifications/<kind>.txt`;
    `context` holds plain JSON values only (the task runs later, perhaps on another machine).
    The caller decides who may be told (through the access policy); this function only delivers.
    """
    people = {p.pk: p for p in recipients}
    if not people:
        return []
    notices = Notice.objects.bulk_create(
        [Notice(recipient_id=pk, channel=Channel.EMAIL, kind=kind, context=context) for pk in sorted(people)]
    )
    ids = [n.pk for n in notices]

    def enqueue() -> None:
        from folja.notifications.tasks import send_notice

        for notice_id in ids:
            send_notice.enqueue(notice_id)

    transaction.on_commit(enqueue)
    return notices


def language_for(person: Person) -> str:
    """Return the language to write to the person in: their chosen one when the platform has it."""
    available = {code for code, _name in settings.LANGUAGES}
    preference = Preference.objects.filter(person=person).values_list("language", flat=True).first()
    return preference if preference in available else settings.LANGUAGE_CODE


def email_address_for(person: Person) -> str | None:
    """Return the person's private e-mail address, else any address the SIS reported."""
    emails = sorted(person.emails.all(), key=lambda e: (e.type != EmailType.PRIVATE, e.pk))
    return emails[0].value if emails else None


def site_url() -> str:
    """Return the address people reach Följa at (FOLJA_BASE_URL), without a trailing slash.

    E-mails are rendered by a task, with no request to take the address from; the setting is
    required in production (config/settings.py).
    """
    return settings.FOLJA_BASE_URL.rstrip("/")


def deliver(notice_id: int) -> str:
    """Send one stored notice unless it was sent already; return what happened."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("recipient").filter(pk=notice_id).first()
        if notice is None:
            return "missing"
        if notice.sent_at is not None or notice.skipped_reason:
            return "already handled"  # a retry of a delivered notice sends nothing
        recipient = notice.recipient
        reason = ""
        address = email_address_for(recipient)
        if recipient.sealed_at is not None:
            reason = "recipient sealed"  # R5: a sealed person is in no notification
        elif not Preference.objects.filter(person=recipient, email_enabled=False).exists() and address:
            language = language_for(recipient)
            context = {**notice.context, "site_url": site_url(), "recipient_name": recipient.given_name}
            with translation.override(language):
                subject = " ".join(render_to_string(f"notifications/{notice.kind}_subject.txt", context).split())
                body = render_to_string(f"notifications/{notice.kind}.txt", context)
            message = EmailMultiAlternatives(subject=subject, body=body, to=[address])
            message.extra_headers["Content-Language"] = language
            message.send()
            notice.sent_at = timezone.now()
            notice.save(update_fields=["sent_at"])
            return "sent"
        else:
            reason = "no address" if not address else "e-mail off"
        notice.skipped_reason = reason
        notice.save(update_fields=["skipped_reason"])
        logger.info("notice skipped", extra={"notice": str(notice.uuid), "reason": reason})
        return reason
