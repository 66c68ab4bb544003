"""What other apps call: `notify` to tell persons about something, and the notices a viewer sees.

    from folja.notifications import notify
    notify(recipients=[person], kind="export_ready", context={"count": 3})

`kind` names the templates `notifications/<kind>_subject.txt` (no child's name there: subjects
are read on lock screens) and `notifications/<kind>.txt` (the text; the HTML part is made from
it). `context` holds plain JSON values; a task renders the text later, in the recipient's
language. `about` (a post's or talk's uuid) and `child` say what the notice concerns: the kind's
rule (`folja.notifications.rules`) asks the access layer about both whenever the notice is shown,
mailed, pushed or put in a digest. A new kind must be registered there, else it is never shown.
The caller still chooses the recipients through the access policy.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from folja.directory.models import EmailType, Person
from folja.notifications import rules
from folja.notifications.models import ChildRhythm, Notice, Preference

JsonValue = str | int | float | bool | None


def notify(
    *,
    recipients: Iterable[Person],
    kind: str,
    context: dict[str, JsonValue],
    role: str = "guardian",
    about: uuid_module.UUID | str | None = None,
    child: Person | None = None,
) -> list[Notice]:
    """Store one notice per recipient and hand them to delivery after commit; return the notices."""
    people = sorted({p.pk for p in recipients})
    return store(
        [
            Notice(
                recipient_id=pk,
                role=role,
                kind=kind,
                context=context,
                about_uuid=about,
                child_id=child.pk if child is not None else None,
            )
            for pk in people
        ]
    )


def store(notices: list[Notice]) -> list[Notice]:
    """Insert notices in one statement and enqueue their immediate delivery after commit."""
    if not notices:
        return []
    for notice in notices:
        notice.urgent = rules.is_urgent(notice.kind)
    created = Notice.objects.bulk_create(notices)
    ids = [n.pk for n in created]

    def enqueue() -> None:
        from folja.notifications.tasks import deliver_notices

        # One task per 200 notices: a group post naming 25 children is one task.
        for start in range(0, len(ids), 200):
            deliver_notices.enqueue(ids[start : start + 200])

    transaction.on_commit(enqueue)
    return created


def unread(viewer) -> QuerySet[Notice]:  # noqa: ANN001
    """Return the viewer's unread notices that they may see now."""
    return rules.visible_notices(viewer).filter(read_at__isnull=True)


def unread_visible(viewer, limit: int) -> list[tuple[uuid_module.UUID | None, int | None]]:  # noqa: ANN001
    """Return (about, child) of the viewer's unread notices that they may see now, at most `limit`.

    In two steps, so that a page costs one small query when nothing is unread: the viewer's own
    unread notices (by person and role, no rule needed to find one's own), and only when there
    are some, those of them the kinds' rules let through now (`rules.visible_notices`, built for
    the kinds found alone).
    """
    own = list(
        Notice.objects.filter(recipient=viewer.person, role=viewer.role, read_at__isnull=True)
        .order_by("-created_at", "-id")
        .values_list("pk", "kind")[:limit]
    )
    if not own:
        return []
    kinds = {kind for _pk, kind in own}
    visible = rules.visible_notices(viewer, kinds).filter(pk__in=[pk for pk, _kind in own])
    return list(visible.values_list("about_uuid", "child_id"))


def mark_read(viewer, *, about: Iterable[uuid_module.UUID | str]) -> int:  # noqa: ANN001
    """Mark the viewer's own notices about these objects read (opening the item); return how many."""
    about = [str(u) for u in about]
    if not about:
        return 0
    mine = Notice.objects.filter(recipient=viewer.person, role=viewer.role, read_at__isnull=True, about_uuid__in=about)
    return mine.update(read_at=timezone.now())


def settle(*, kind: str, about: uuid_module.UUID | str) -> int:
    """Mark every unread notice of a kind about an object read, whoever holds it: what the notice
    asked someone to do is done (a child's post decided by a colleague). Return how many."""
    return Notice.objects.filter(kind=kind, about_uuid=about, read_at__isnull=True).update(read_at=timezone.now())


def mark_notice_read(viewer, notice: Notice) -> None:  # noqa: ANN001
    """Mark one of the viewer's notices read, with the others about the same item."""
    Notice.objects.filter(pk=notice.pk, recipient=viewer.person, read_at__isnull=True).update(read_at=timezone.now())
    if notice.about_uuid is not None:
        mark_read(viewer, about=[notice.about_uuid])


def mark_all_read(viewer) -> int:  # noqa: ANN001
    return Notice.objects.filter(recipient=viewer.person, role=viewer.role, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def preference_for(person: Person) -> Preference:
    """Return the person's preferences, unsaved defaults when they chose nothing."""
    return Preference.objects.filter(person=person).first() or Preference(person=person)


def child_rhythms_of(person: Person) -> dict[int, str]:
    """Return the rhythms the person chose per child, by child id (`ChildRhythm`)."""
    return dict(ChildRhythm.objects.filter(person=person).values_list("child_id", "rhythm"))


def save_child_rhythms(person: Person, chosen: dict[int, str]) -> None:
    """Store the person's rhythm per child: "" means their own rhythm (the row goes).

    The caller passes only children the person may see (the settings form's own fields)."""
    same = [child for child, rhythm in chosen.items() if not rhythm]
    if same:
        ChildRhythm.objects.filter(person=person, child_id__in=same).delete()
    for child, rhythm in chosen.items():
        if rhythm:
            ChildRhythm.objects.update_or_create(person=person, child_id=child, defaults={"rhythm": rhythm})


def language_for(person: Person, preference: Preference | None = None) -> str:
    """Return the language to write to the person in: the one they chose for e-mail, else the one
    they read Följa in (`Person.language`), when the platform has it; else Swedish."""
    available = {code for code, _name in settings.LANGUAGES}
    if preference is None:
        preference = Preference.objects.filter(person=person).first()
    for chosen in (preference.language if preference is not None else "", person.language):
        if chosen in available:
            return chosen
    return settings.LANGUAGE_CODE


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


def in_quiet_hours(preference: Preference, now: dt.datetime) -> dt.datetime | None:
    """Return when the person's quiet hours end when `now` falls inside them, else None.

    Computed on the wall clock in Europe/Stockholm (TIME_ZONE), so "20–07" stays 20–07 local
    time across a change to or from summer time; the end is made aware on its own day.
    """
    start, end = preference.quiet_from, preference.quiet_until
    if start == end:
        return None
    local = timezone.localtime(now)
    clock = local.time()
    inside = (start <= clock < end) if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end))


def own_devices(person: Person) -> QuerySet:
    """Return the person's own push subscriptions (devices), newest first."""
    from folja.notifications.models import PushSubscription

    return PushSubscription.objects.filter(person=person)


def device_add(person: Person, *, endpoint: str, p256dh: str, auth: str, label: str) -> None:
    """Store (or move to this person) the subscription of one device: an endpoint belongs to one browser."""
    from folja.notifications.models import PushSubscription

    PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"person": person, "p256dh": p256dh, "auth": auth, "label": label[:100]}
    )


def turn_email_off(person_uuid: str) -> bool:
    """Turn e-mail off for the person named by an unsubscribe token; False when no such person."""
    person = Person.objects.filter(uuid=person_uuid).first()
    if person is None:
        return False
    Preference.objects.update_or_create(person=person, defaults={"email_enabled": False})
    return True
