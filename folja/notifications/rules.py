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
    from folja.access.pairs import ChildPairs
    from folja.access.roles import Viewer

Rule = Callable[["Viewer"], Q]
# A kind's rule for many guardians' notices at once (the digest's chunk): it takes the children
# each recipient may see as pairs (`access.pairs.ChildPairs`, on the notice's `recipient_id`). The
# per-viewer rule of a guardian must be this rule for that guardian alone, so there is one rule.
GuardiansRule = Callable[["ChildPairs"], Q]

_RULES: dict[str, Rule] = {}
_FOR_GUARDIANS: dict[str, GuardiansRule] = {}
_PERSONAL: set[str] = set()
# Kinds that need action: sent at once (outside quiet hours) whatever the person's rhythm.
_URGENT: set[str] = set()


def register(
    kinds: Iterable[str], rule: Rule, *, urgent: Iterable[str] = (), for_guardians: GuardiansRule | None = None
) -> None:
    """Register the rule deciding whether a viewer may see notices of these kinds.

    `for_guardians`, when given, is the same rule for many guardians at once; the digest uses it
    for a chunk of recipients (`visible_filter_for_guardians`). A kind without one is still sent:
    the digest asks its per-viewer rule for each recipient.
    """
    for kind in kinds:
        _RULES[kind] = rule
        if for_guardians is not None:
            _FOR_GUARDIANS[kind] = for_guardians
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


def guardian_chunk_kinds() -> set[str]:
    """The kinds whose guardians' notices the digest can read for a chunk of recipients at once."""
    return set(_FOR_GUARDIANS) | _PERSONAL


def visible_filter_for_guardians(pairs: ChildPairs, kinds: Iterable[str]) -> Q:
    """Return the condition on `Notice` for what each recipient may see of their own guardian
    notices of these kinds (each kind having a chunk form, `guardian_chunk_kinds`), for many
    recipients at once: `pairs` are the children each may see. The caller keeps the notices to
    the chunk's unsealed recipients in the guardian role."""
    wanted = set(kinds)
    unknown = wanted - guardian_chunk_kinds()
    if unknown:
        raise ValueError(f"no rule for many guardians: {sorted(unknown)}")
    by_rule: dict[GuardiansRule, list[str]] = {}
    for kind, rule in _FOR_GUARDIANS.items():
        if kind in wanted:
            by_rule.setdefault(rule, []).append(kind)
    personal = sorted(_PERSONAL & wanted)
    allowed = Q(kind__in=personal, child__isnull=True, about_uuid__isnull=True) if personal else Q(pk__in=[])
    for rule, group in by_rule.items():
        allowed |= Q(kind__in=sorted(group)) & rule(pairs)
    return allowed


def visible_notices(viewer: Viewer, kinds: Iterable[str] | None = None) -> QuerySet[Notice]:
    """Return the viewer's own notices (their person, their role) that they may see now, in SQL.

    A sealed recipient sees none (R5); a notice about a sealed child, a child whose custody or
    placement ended, or a post no longer visible drops out through the kinds' rules.
    """
    if viewer.person.sealed_at is not None:
        return Notice.objects.none()
    return Notice.objects.filter(recipient=viewer.person, role=viewer.role).filter(visible_filter(viewer, kinds))
