"""Which notices a person may see, asked of the access layer every time a notice is shown or sent.

This app sits below the access layer and the domains (they call `notify`), so it cannot ask them
itself: each domain registers, for its notice kinds, a function that takes a viewer and returns
a `Q` on `Notice` keeping the notices whose object and child that viewer may see *now*
(`folja/learninglog/notices.py`, `folja/talks/notices.py`). A kind nobody registered is never
shown, counted, mailed or pushed (deny by default, R12).

A notice that concerns no child and no object (new terms to accept, an export ready) is a
*personal* kind: `register_personal` — it is shown to its recipient while they are not sealed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from folja.notifications.models import Notice

if TYPE_CHECKING:  # the viewer is the access layer's (person, role[, organisation])
    from folja.access.roles import Viewer

Rule = Callable[["Viewer"], Q]

_RULES: dict[str, Rule] = {}
_PERSONAL: set[str] = set()
# Kinds that need action: sent at once (outside quiet hours) whatever the person's rhythm.
_URGENT: set[str] = set()


def register(kinds: Iterable[str], rule: Rule, *, urgent: Iterable[str] = ()) -> None:
    """Register the rule deciding whether a viewer may see notices of these kinds."""
    for kind in kinds:
        _RULES[kind] = rule
    _URGENT.update(urgent)


def register_personal(kind: str, *, urgent: bool = False) -> None:
    """Register a kind about no child and no object: shown to its recipient alone."""
    _PERSONAL.add(kind)
    if urgent:
        _URGENT.add(kind)


def is_urgent(kind: str) -> bool:
    return kind in _URGENT


def registered_kinds() -> set[str]:
    return set(_RULES) | _PERSONAL


def visible_filter(viewer: Viewer, kinds: Iterable[str] | None = None) -> Q:
    """Return the condition on `Notice` for what this viewer may see of their own notices.

    `kinds` limits it to those kinds (the digest knows which kinds a person has pending, and
    builds only their rules: the others would keep nothing anyway).
    """
    wanted = set(kinds) if kinds is not None else None
    by_rule: dict[Rule, list[str]] = {}
    for kind, rule in _RULES.items():
        if wanted is None or kind in wanted:
            by_rule.setdefault(rule, []).append(kind)
    personal = sorted(_PERSONAL if wanted is None else _PERSONAL & wanted)
    allowed = Q(kind__in=personal, child__isnull=True, about_uuid__isnull=True) if personal else Q(pk__in=[])
    for rule, kinds in by_rule.items():
        allowed |= Q(kind__in=sorted(kinds)) & rule(viewer)
    return allowed


def visible_notices(viewer: Viewer, kinds: Iterable[str] | None = None) -> QuerySet[Notice]:
    """Return the viewer's own notices (their person, their role) that they may see now, in SQL.

    A sealed recipient sees none (R5); a notice about a sealed child, a child whose custody or
    placement ended, or a post no longer visible drops out through the kinds' rules.
    """
    if viewer.person.sealed_at is not None:
        return Notice.objects.none()
    return Notice.objects.filter(recipient=viewer.person, role=viewer.role).filter(visible_filter(viewer, kinds))
