""" "Vem har läst": the audit log of a child's documentation summarised for its guardians.

The log (folja/access/audit.py, R11) stays complete and append-only; this groups it per day,
staff member and item read (`audit.read_summary`) and names the items: a post by its title only
when the guardian may read that post themselves (`learninglog.access.visible_posts`), a talk by
its period only when they may read that talk (`talks.access.visible_talks`). Anything else is
described without a title, so the page never reveals another child's documentation.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.urls import reverse
from django.utils.translation import gettext as _

from folja.access import audit
from folja.access.models import AuditAction
from folja.access.roles import Viewer
from folja.directory.models import Person
from folja.learninglog import access as post_policy
from folja.media import access as media_policy
from folja.talks import access as talk_policy

PER_PAGE = 20


@dataclass
class Item:
    """One thing a staff member read on a day, however many times."""

    at: dt.datetime
    text: str
    title: str = ""
    url: str = ""


@dataclass
class Reader:
    """A staff member's reads on one day, newest first."""

    name: str
    units: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return ", ".join(self.units)


@dataclass
class Day:
    day: dt.date
    readers: list[Reader] = field(default_factory=list)


def _describe(row: dict, titles: dict[uuid_module.UUID, str], talks: dict[uuid_module.UUID, str]) -> Item:
    kind, item, at = row["kind"], row["item"], row["last_at"]
    if kind == AuditAction.READ_POST:
        opened = bool(row["opened"])
        if item in titles:
            text = _("Läste inlägget") if opened else _("Såg bilderna i inlägget")
            return Item(at, text, titles[item], reverse("learninglog:post", args=[item]))
        if opened:
            return Item(at, _("Läste ett inlägg som inte visas för dig"))
        return Item(at, _("Såg bilder i ett inlägg som inte visas för dig"))
    if kind == AuditAction.READ_TALK:
        if item in talks:
            return Item(at, _("Läste utvecklingssamtalet"), talks[item], reverse("talks:talk", args=[item]))
        return Item(at, _("Läste ett utvecklingssamtal"))
    texts = {
        AuditAction.READ_TIMELINE: _("Läste ditt barns lärlogg"),
        AuditAction.READ_FEED: _("Såg inlägg om ditt barn i flödet"),
        AuditAction.READ_GROUP_LOG: _("Läste gruppens lärlogg"),
        AuditAction.READ_CONTACT: _("Läste kontaktuppgifterna"),
        AuditAction.READ_TALK_LIST: _("Såg ditt barn i en lista över utvecklingssamtal"),
        AuditAction.READ_TERMS_STATUS: _("Såg om ni har godkänt användarvillkoren"),
    }
    return Item(at, texts.get(kind) or AuditAction(kind).label)


def who_read(viewer: Viewer, child: Person, page_number: object) -> tuple[Page, list[Day]]:
    """Return one page of the summary (PER_PAGE items) and the page's items grouped per day and
    staff member: days newest first, within a day the staff member who read last first."""
    rows = audit.read_summary(child, post_of_media=media_policy.post_of_audited_media())
    page = Paginator(rows, PER_PAGE).get_page(page_number)
    entries = list(page.object_list)
    post_ids = {r["item"] for r in entries if r["kind"] == AuditAction.READ_POST and r["item"]}
    talk_ids = {r["item"] for r in entries if r["kind"] == AuditAction.READ_TALK and r["item"]}
    titles = dict(post_policy.visible_posts(viewer).filter(uuid__in=post_ids).values_list("uuid", "title"))
    talks = {
        t.uuid: t.period_label
        for t in talk_policy.visible_talks(viewer).filter(uuid__in=talk_ids).only("uuid", "period_start")
    }
    days: dict[dt.date, dict[int, Reader]] = {}
    for row in entries:
        readers = days.setdefault(row["day"], {})
        name = (
            _("(skyddad person)") if row["actor_sealed_at"] else f"{row['actor_given_name']} {row['actor_family_name']}"
        )
        reader = readers.setdefault(row["actor"], Reader(name))
        if row["unit_name"] and row["unit_name"] not in reader.units:
            reader.units.append(row["unit_name"])
        reader.items.append(_describe(row, titles, talks))
    return page, [Day(day, list(readers.values())) for day, readers in days.items()]
