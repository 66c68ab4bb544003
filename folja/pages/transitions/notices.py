"""Notices of transitions and terms (R7, R9): who is told, and who may still see them.

- `consent_question` (urgent): a child's coming placement at a new unit asks each Vårdnadshavare
  who has not answered yet whether the learning log and talks may be shown there (R7). Found by a
  daily task (`ask_consent_questions`), because a coming placement appears through the SIS
  import; once per guardian, child and receiving unit (the notice is about the unit). Shown while
  the guardian may still answer for that child: the child is one the consent page opens for
  them (`policy.visible_children_ref`, as `policy.get_child_for`: custody, on the platform, not
  sealed, terms accepted).
- `terms_new` (urgent): an organisation published new terms; each guardian for whom they are
  pending (`policy.guardians_with_terms_pending`) is told once (the notice is about the terms).
  Shown while those terms are still pending for them (`policy.terms_pending_for`).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse

from folja.access import policy
from folja.access import transitions as access_transitions
from folja.access.roles import Role, Viewer
from folja.directory.models import Organisation, Person
from folja.notifications import notify, rules
from folja.notifications.models import Notice
from folja.transitions.models import TermsOfUse

CONSENT_KIND = "consent_question"
TERMS_KIND = "terms_new"


def consent_notice_rule(viewer: Viewer) -> Q:
    """While the guardian may still answer for the child: the consent page's own test (R1, R5, R6, R9)."""
    if viewer.role != Role.GUARDIAN:
        return Q(pk__in=[])  # R12
    return Q(child__in=policy.visible_children_ref(viewer))


def terms_notice_rule(viewer: Viewer) -> Q:
    """While the terms the notice is about are still pending for the guardian (R9)."""
    if viewer.role != Role.GUARDIAN:
        return Q(pk__in=[])  # R12
    return Q(about_uuid__in=[terms.uuid for terms in policy.terms_pending_for(viewer.person)])


def register() -> None:
    rules.register([CONSENT_KIND], consent_notice_rule, urgent=[CONSENT_KIND])
    rules.register([TERMS_KIND], terms_notice_rule, urgent=[TERMS_KIND])


def _already_told(kind: str, about: object, recipients: list[int], child: int | None = None) -> set[int]:
    """Return which of the recipients already hold a notice of this kind about this (and child)."""
    told = Notice.objects.filter(kind=kind, about_uuid=about, recipient__in=recipients, role=Role.GUARDIAN)
    if child is not None:
        told = told.filter(child_id=child)
    return set(told.values_list("recipient_id", flat=True))


def ask_consent_questions(on: dt.date | None = None) -> int:
    """Tell each guardian who has not answered that a child's coming move asks for consent (R7);
    once per guardian, child and receiving unit; return how many notices were stored."""
    due = access_transitions.consent_questions_due(on)
    if not due:
        return 0
    children = Person.objects.in_bulk(sorted({child for child, _unit in due}))
    units = Organisation.objects.in_bulk(sorted({unit for _child, unit in due}))
    stored = 0
    for (child_id, unit_id), guardians in sorted(due.items()):
        child, unit = children[child_id], units[unit_id]
        new = sorted(set(guardians) - _already_told(CONSENT_KIND, unit.uuid, guardians, child_id))
        stored += len(
            notify(
                recipients=Person.objects.filter(pk__in=new),
                kind=CONSENT_KIND,
                about=unit.uuid,
                child=child,
                context={
                    "path": reverse("transitions:consent", args=[child.uuid]),
                    "child_given_name": child.given_name,
                    "unit": unit.display_name,
                },
            )
        )
    return stored


def tell_new_terms(terms: TermsOfUse) -> int:
    """Tell each guardian for whom these terms are pending, once; return how many were told."""
    guardians = list(policy.guardians_with_terms_pending(terms).values_list("pk", flat=True))
    new = sorted(set(guardians) - _already_told(TERMS_KIND, terms.uuid, guardians))
    organisation = terms.organisation.display_name if terms.organisation_id else ""
    return len(
        notify(
            recipients=Person.objects.filter(pk__in=new),
            kind=TERMS_KIND,
            about=terms.uuid,
            context={"path": reverse("transitions:terms"), "organisation": organisation},
        )
    )
