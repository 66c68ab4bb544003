"""Delivering notices now: by e-mail and push, outside quiet hours, each message claimed once.

A notice goes out at once when its kind needs action (`rules.is_urgent`) or its recipient chose
the rhythm "immediately" (for the notice's child, `ChildRhythm`, else their own); the rest wait
for the digest (`digest.py`). Before anything is sent the
notice is asked for again through the access layer (`rules.visible_notices`): a custody, a
placement or a child's record that changed since the notice was stored stops it.

Idempotency: each message has a key in the sent-log (`Delivery.key`, unique). The task inserts
the key first, in its own transaction, then sends; a retry (or a second worker) finds the key and
sends nothing. A crash between the two leaves the row "claimed": that message is not sent again
(at most once; the notice still shows on the page).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from folja.access import memo
from folja.access.roles import Role, Viewer
from folja.directory.models import Person
from folja.notifications import push, rules
from folja.notifications.api import email_address_for, in_quiet_hours, language_for, preference_for, site_url
from folja.notifications.emails import build_message, render_notice_text
from folja.notifications.models import (
    Channel,
    ChildRhythm,
    Delivery,
    Notice,
    Preference,
    PushSubscription,
    Rhythm,
)

logger = logging.getLogger(__name__)


def claim(key: str, *, recipient: Person, channel: str, kind: str, notices: int = 1) -> Delivery | None:
    """Insert the sent-log row for a message; None when another attempt already claimed it."""
    try:
        with transaction.atomic():
            return Delivery.objects.create(key=key, recipient=recipient, channel=channel, kind=kind, notices=notices)
    except IntegrityError:
        return None


def finish(delivery: Delivery, outcome: str) -> None:
    delivery.outcome = outcome[:120]
    delivery.finished_at = timezone.now()
    delivery.save(update_fields=["outcome", "finished_at"])


def viewer_for(notice: Notice) -> Viewer:
    """The recipient as the access layer sees them, in the notice's role, in all their organisations."""
    return Viewer(notice.recipient, Role(notice.role))


def still_visible(notice: Notice) -> bool:
    """Ask the access layer now whether the recipient may see the notice (in a fresh memo scope)."""
    with memo.request_scope():
        return rules.visible_notices(viewer_for(notice)).filter(pk=notice.pk).exists()


def rhythm_for(notice: Notice, preference: Preference, overrides: dict[int, str]) -> str:
    """The rhythm of a notice: the one its guardian chose for its child, else the person's own.

    `overrides` are the person's rhythms per child (`ChildRhythm`), by child id; only a guardian's
    notices about a child follow them."""
    if notice.role == Role.GUARDIAN and notice.child_id in overrides:
        return overrides[notice.child_id]
    return preference.rhythm


def child_overrides(person: Person) -> dict[int, str]:
    return dict(ChildRhythm.objects.filter(person=person).values_list("child_id", "rhythm"))


def goes_out_now(notice: Notice, preference: Preference, overrides: dict[int, str] | None = None) -> bool:
    if notice.urgent:
        return True
    return rhythm_for(notice, preference, overrides or {}) == Rhythm.IMMEDIATE


def deliver_notices(notice_ids: list[int], *, now: dt.datetime | None = None) -> dict[int, str]:
    """Send the notices that go out now; return what happened to each."""
    now = now or timezone.now()
    outcomes: dict[int, str] = {}
    notices = Notice.objects.filter(pk__in=notice_ids).select_related("recipient").order_by("pk")
    for notice in notices:
        outcomes[notice.pk] = deliver_one(notice, now=now)
    return outcomes


def deliver_one(notice: Notice, *, now: dt.datetime) -> str:
    """Send one notice by e-mail and push, when and as the recipient wants it."""
    recipient = notice.recipient
    if recipient.sealed_at is not None:
        return "recipient sealed"  # R5: a sealed person is in no notification
    preference = preference_for(recipient)
    overrides = child_overrides(recipient) if notice.role == Role.GUARDIAN and notice.child_id else {}
    if not goes_out_now(notice, preference, overrides):
        return "digest" if rhythm_for(notice, preference, overrides) != Rhythm.OFF else "off"
    if notice.read_at is not None:
        return "read"
    if not still_visible(notice):
        return "not visible"  # custody, placement, a sealed child or a removed post
    quiet_until = in_quiet_hours(preference, now)
    if quiet_until is not None:
        return _defer(notice, quiet_until)
    outcomes = [_email(notice, preference), *_push(notice, preference)]
    return ", ".join(outcomes)


def _defer(notice: Notice, until: dt.datetime) -> str:
    """Run the delivery again when the quiet hours end; a backend that cannot wait leaves it to the digest."""
    from folja.notifications.tasks import deliver_notices as task

    if not task.get_backend().supports_defer:
        return "quiet hours"
    task.using(run_after=until).enqueue([notice.pk])
    return "quiet hours, later"


def notice_link(notice: Notice) -> str:
    return site_url() + str(notice.context.get("path", "/"))


def _email(notice: Notice, preference: Preference) -> str:
    recipient = notice.recipient
    if not preference.email_enabled:
        return "e-mail off"
    if notice.mailed_at is not None:
        return "already mailed"
    address = email_address_for(recipient)
    if not address:
        return "no address"
    delivery = claim(f"notice:{notice.pk}:email", recipient=recipient, channel=Channel.EMAIL, kind=notice.kind)
    if delivery is None:
        return "already handled"  # a retry of a delivered notice sends nothing
    language = language_for(recipient, preference)
    with translation.override(language):
        subject, text = render_notice_text(notice.kind, notice.context)
    message = build_message(
        person=recipient,
        address=address,
        language=language,
        subject=subject,
        sections=[{"text": text, "link": notice_link(notice)}],
    )
    try:
        message.send()
    except Exception as exc:  # the SMTP server refused or is down: logged, not retried by hand
        finish(delivery, f"error: {type(exc).__name__}")
        return "error"
    Notice.objects.filter(pk=notice.pk).update(mailed_at=timezone.now())
    finish(delivery, "sent")
    return "sent"


def push_payload(notice: Notice, preference: Preference) -> dict[str, str]:
    """What a push message says: no child data unless the person chose names (then the notice's text)."""
    language = language_for(notice.recipient, preference)
    with translation.override(language):
        subject, text = render_notice_text(notice.kind, notice.context)
        body = text if preference.push_names else ""
    return {"title": subject, "body": body, "url": str(notice.context.get("path", "/")), "tag": str(notice.uuid)}


def _push(notice: Notice, preference: Preference) -> list[str]:
    if not preference.push_enabled or not push.enabled():
        return []
    outcomes = []
    payload = None
    for subscription in PushSubscription.objects.filter(person=notice.recipient):
        delivery = claim(
            f"notice:{notice.pk}:push:{subscription.pk}",
            recipient=notice.recipient,
            channel=Channel.PUSH,
            kind=notice.kind,
        )
        if delivery is None:
            outcomes.append("already handled")
            continue
        payload = payload or push_payload(notice, preference)
        outcome = push.send(subscription, payload)
        if outcome == "sent":
            PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=timezone.now())
        finish(delivery, f"push {outcome}")
        outcomes.append(f"push {outcome}")
    return outcomes
