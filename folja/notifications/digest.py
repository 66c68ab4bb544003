"""The digest: one e-mail per person with what is new and still unread, daily or weekly.

`send_digests(rhythm, shard=i, shards=n)` handles the recipients whose id modulo n is i, so the
run can be split across n workers (`manage.py notices_digest --shards n --shard i`, or n tasks).
Recipients are read in chunks (bounded memory whatever the municipality's size). A chunk's
guardians' notices are read in one query with the kinds' rules for many guardians
(`rules.visible_filter_for_guardians`, the same rules as each guardian's page, for their
children as `policy.guardian_child_pairs` looks them up: two queries per chunk); other notices
(staff, kinds with only a per-viewer rule) through `rules.visible_notices` per person. A notice
about a child the person may no longer see is left out, so are read ones; the rhythm is the one
chosen for the notice's child, else the person's (`delivery.rhythm_for`), and every message is
claimed in the sent-log under "digest:<person>:<period>" before it is handed to the mail backend,
so a rerun of the same period sends nothing twice. Each chunk's messages go through one
connection of the mail backend.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from folja.access import memo, policy
from folja.access.roles import Role, Viewer
from folja.directory.models import Email, Person
from folja.notifications import rules
from folja.notifications.api import email_address_for, in_quiet_hours, language_for
from folja.notifications.compose import Composer
from folja.notifications.delivery import notice_link, rhythm_for
from folja.notifications.emails import MailLinks, assemble_message, message_context
from folja.notifications.models import Channel, ChildRhythm, Delivery, Notice, Preference, Rhythm

logger = logging.getLogger(__name__)

CHUNK = 500
# Who each run serves: the daily run also sends what an "immediately" person missed in quiet hours.
RHYTHMS = {Rhythm.DAILY: {Rhythm.DAILY, Rhythm.IMMEDIATE}, Rhythm.WEEKLY: {Rhythm.WEEKLY}}
DEFAULT_RHYTHM = Rhythm.DAILY


def period_key(rhythm: str, now: dt.datetime) -> str:
    day = timezone.localtime(now).date()
    if rhythm == Rhythm.WEEKLY:
        year, week, _weekday = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def _pending() -> QuerySet[Notice]:
    return Notice.objects.filter(read_at__isnull=True, mailed_at__isnull=True)


def _recipient_chunks(shard: int, shards: int):  # noqa: ANN202
    """Yield lists of (recipient id, {role: kinds}) with pending notices, in id order, CHUNK recipients at a time.

    Two queries a chunk: the next CHUNK recipients of this shard (an ordered scan of the pending
    notices' index that stops there), then their roles and kinds."""
    after = 0
    while True:
        ids = list(
            _pending()
            .filter(recipient_id__gt=after)
            .annotate(shard=F("recipient_id") % shards)
            .filter(shard=shard)
            .order_by("recipient_id")
            .values_list("recipient_id", flat=True)
            .distinct()[:CHUNK]
        )
        if not ids:
            return
        roles: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for recipient_id, role, kind in (
            _pending().filter(recipient_id__in=ids).values_list("recipient_id", "role", "kind").distinct().order_by()
        ):
            roles[recipient_id][role].add(kind)
        chunk = [(pk, roles[pk]) for pk in ids if pk in roles]  # one read or mailed in between: left out
        if chunk:
            yield chunk
        after = ids[-1]


def send_digests(rhythm: str, *, shard: int = 0, shards: int = 1, now: dt.datetime | None = None) -> dict[str, int]:
    """Send this shard's digests of the period; return counts of what happened."""
    now = now or timezone.now()
    period = period_key(rhythm, now)
    served = RHYTHMS[Rhythm(rhythm)]
    counts: dict[str, int] = defaultdict(int)
    connection = get_connection()
    composer = Composer()  # the templates rendered once per language for this run's mails
    for chunk in _recipient_chunks(shard, shards):
        _send_chunk(
            chunk, rhythm=rhythm, served=served, period=period, now=now, counts=counts, connection=connection,
            composer=composer,
        )  # fmt: skip
    return dict(counts)


def _send_chunk(chunk, *, rhythm, served, period, now, counts, connection, composer) -> None:  # noqa: ANN001
    ids = [pk for pk, _roles in chunk]
    persons = Person.objects.in_bulk(ids)
    emails = defaultdict(list)
    for email in Email.objects.filter(person_id__in=ids):
        emails[email.person_id].append(email)
    preferences = {p.person_id: p for p in Preference.objects.filter(person_id__in=ids)}
    per_child = child_rhythms(ids)
    ready: list[tuple[Person, Preference, str, dict[str, set[str]]]] = []
    for pk, roles in chunk:
        person = persons[pk]
        preference = preferences.get(pk) or Preference(person=person, rhythm=DEFAULT_RHYTHM)
        reason = _skip_reason(person, preference, per_child.get(pk, {}), served, now)
        if reason:
            counts[reason] += 1
            continue
        person._prefetched_objects_cache = {"emails": emails[pk]}
        address = email_address_for(person)
        if not address:
            counts["no address"] += 1
            continue
        ready.append((person, preference, address, roles))
    with memo.request_scope():  # the chunk's relationships looked up once, as in one request
        visible = _visible_pending([(person.pk, roles) for person, _p, _a, roles in ready])
    outgoing: list[tuple[Person, object, list[int]]] = []
    for person, preference, address, _roles in ready:
        overrides = per_child.get(person.pk, {})
        notices = [n for n in visible.get(person.pk, []) if rhythm_for(n, preference, overrides) in served]
        if not notices:
            counts["nothing new"] += 1
            continue
        outgoing.append((person, _compose(person, preference, address, notices, composer), [n.pk for n in notices]))
    _claim_and_send(outgoing, rhythm=rhythm, period=period, counts=counts, connection=connection)


def _visible_pending(recipients: list[tuple[int, dict[str, set[str]]]]) -> dict[int, list[Notice]]:
    """Return each recipient's pending notices that they may see now, by recipient id, in order.

    A guardian's notices of the kinds with a rule for many guardians are read for the whole chunk
    in one query, their children looked up in two (`policy.guardian_child_pairs`); any other
    (staff, or a kind with only a per-viewer rule) through `rules.visible_notices` per person.
    """
    chunk_kinds = rules.guardian_chunk_kinds()
    together: dict[int, set[str]] = {}
    alone: list[tuple[int, str, set[str]]] = []
    for pk, roles in recipients:
        for role, kinds in roles.items():
            if role == Role.GUARDIAN and kinds & chunk_kinds:
                together[pk] = kinds & chunk_kinds
                kinds = kinds - chunk_kinds
            if kinds:
                alone.append((pk, role, kinds))
    found: list[Notice] = []
    if together:
        pairs = policy.guardian_child_pairs(together, person="recipient_id")
        kinds = set().union(*together.values())
        found += (
            _pending()
            .filter(recipient_id__in=sorted(together), role=Role.GUARDIAN, kind__in=sorted(kinds))
            .filter(recipient__sealed_at__isnull=True)  # R5, as rules.visible_notices
            .filter(rules.visible_filter_for_guardians(pairs, kinds))
            .order_by()
        )
    persons = Person.objects.in_bulk({pk for pk, _role, _kinds in alone})
    for pk, role, kinds in alone:
        found += rules.visible_notices(Viewer(persons[pk], Role(role)), kinds).filter(
            read_at__isnull=True, mailed_at__isnull=True
        )
    by_person: dict[int, list[Notice]] = defaultdict(list)
    for notice in sorted(found, key=lambda n: (n.recipient_id, n.role, n.created_at, n.pk)):
        by_person[notice.recipient_id].append(notice)
    return by_person


def child_rhythms(person_ids: list[int]) -> dict[int, dict[int, str]]:
    """Return {guardian id: {child id: rhythm}}: the rhythms chosen per child (one query)."""
    chosen: dict[int, dict[int, str]] = defaultdict(dict)
    for person_id, child_id, rhythm in ChildRhythm.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "child_id", "rhythm"
    ):
        chosen[person_id][child_id] = rhythm
    return chosen


def _skip_reason(
    person: Person, preference: Preference, overrides: dict[int, str], served: set[str], now: dt.datetime
) -> str:
    if person.sealed_at is not None:
        return "recipient sealed"
    if preference.rhythm not in served and not set(overrides.values()) & served:
        return "other rhythm"
    if not preference.email_enabled:
        return "e-mail off"
    if in_quiet_hours(preference, now) is not None:
        return "quiet hours"  # still pending: the next run takes it
    return ""


def _compose(person: Person, preference: Preference, address: str, notices: list[Notice], composer: Composer):  # noqa: ANN202
    """The digest's mail: what `emails.build_message` builds, from templates rendered once per run (compose.py)."""
    language = language_for(person, preference)
    sections = [
        {"text": composer.notice_body(notice.kind, notice.context, language), "link": notice_link(notice)}
        for notice in notices
    ]
    subject, intro = composer.once(("digest words", language, len(notices)), lambda: _words(language, len(notices)))
    links = composer.once(("links",), MailLinks.now)
    context = message_context(person=person, sections=sections, intro=intro, links=links)
    text, html = composer.message_parts(language, context)
    return assemble_message(
        address=address, language=language, subject=subject, text=text, html=html,
        unsubscribe=context["unsubscribe_url"], boundary=composer.boundary,
    )  # fmt: skip


def _words(language: str, count: int) -> tuple[str, str]:
    with translation.override(language):
        # No child's name in the subject line: it shows on lock screens.
        subject = ngettext("Nytt i Följa: %(count)d sak", "Nytt i Följa: %(count)d saker", count) % {"count": count}
        return subject, _("Det här är nytt i Följa sedan förra sammanfattningen.")


def _claim_and_send(outgoing, *, rhythm, period, counts, connection) -> None:  # noqa: ANN001
    if not outgoing:
        return
    rows = [
        Delivery(
            key=f"digest:{person.pk}:{rhythm}:{period}",
            recipient=person,
            channel=Channel.EMAIL,
            kind="digest",
            notices=len(notice_ids),
        )
        for person, _message, notice_ids in outgoing
    ]
    keys = [row.key for row in rows]
    taken = set(Delivery.objects.filter(key__in=keys).values_list("key", flat=True))
    mine = [(row, item) for row, item in zip(rows, outgoing, strict=True) if row.key not in taken]
    counts["already handled"] += len(rows) - len(mine)
    try:
        with transaction.atomic():
            Delivery.objects.bulk_create([row for row, _item in mine])
    except IntegrityError:
        # Another worker claimed some of them meanwhile: claim one by one.
        mine = [(row, item) for row, item in mine if _claim_one(row)]
    if not mine:
        return
    try:
        sent = connection.send_messages([message for _row, (_p, message, _ids) in mine]) or 0
    except Exception as exc:  # the mail server refused: logged; these notices stay pending for the next run
        logger.warning("digest batch failed", extra={"error": type(exc).__name__, "messages": len(mine)})
        Delivery.objects.filter(key__in=[row.key for row, _item in mine]).update(
            outcome=f"error: {type(exc).__name__}", finished_at=timezone.now()
        )
        counts["error"] += len(mine)
        return
    now = timezone.now()
    outcome = "sent" if sent == len(mine) else "error"
    Delivery.objects.filter(key__in=[row.key for row, _item in mine]).update(outcome=outcome, finished_at=now)
    notice_ids = [pk for _row, (_p, _m, ids) in mine for pk in ids]
    for start in range(0, len(notice_ids), 5000):
        Notice.objects.filter(pk__in=notice_ids[start : start + 5000]).update(mailed_at=now)
    counts[outcome] += len(mine)


def _claim_one(row: Delivery) -> bool:
    try:
        with transaction.atomic():
            row.pk = None
            row.save()
        return True
    except IntegrityError:
        return False
