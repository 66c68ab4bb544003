"""Many persons' children as (person, child) pairs, for rows read for many persons in one query.

A value type, no rule: `policy.guardian_child_pairs` fills it with the children each guardian may
see (R1, R5, R6, R9), and the family rules (`learninglog/access.py`) and the notices' chunk rules
accept it where they accept one viewer's list of children.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BigIntegerField, ExpressionWrapper, F, OuterRef, Q
from django.db.models.lookups import In

# A (person, child) pair as one number: person * 2**32 + child (ids are far below 2**32).
PAIR = 2**32


@dataclass(frozen=True)
class ChildPairs:
    """The children each of many guardians may see, as (person, child) pairs: what
    `visible_children_ref` is for one viewer, for a chunk of the digest's recipients at once.

    `q(child)` is the condition "the row's child is one the row's person may see", on rows read
    for many persons in one query (each notice has its recipient). `person` names that person's
    column on the rows the pairs were made for (`recipient_id` on notices); `outer()` gives the
    same pairs for a subquery one level further down (the column becomes an `OuterRef`)."""

    keys: tuple[int, ...]
    person: str
    depth: int = 0

    def person_ref(self) -> F:
        ref: F = F(self.person)
        if self.depth:
            ref = OuterRef(self.person)
            for _level in range(self.depth - 1):
                ref = OuterRef(ref)
        return ref

    def q(self, child: str) -> Q:
        if not self.keys:
            return Q(pk__in=[])  # R12: nobody in the chunk sees a child
        key = ExpressionWrapper(self.person_ref() * PAIR + F(child), output_field=BigIntegerField())
        return Q(In(key, list(self.keys)))

    def outer(self) -> ChildPairs:
        """The same pairs seen from a subquery one level further down."""
        return ChildPairs(self.keys, self.person, self.depth + 1)
