"""Relationship answers kept by the process for as long as the relationships stay the same.

A staff member's connections (policy.staff_connections), a guardian's children
(policy._guardian_children) and the current terms of use (transitions.current_terms_by_organisation)
are read on every request; the staff statement alone was a fifth of a staff page's cost under
load (bench/README.md). They change rarely: when the SIS import, an administrator or a guardian
changes a placement, a duty, a group, a membership, a unit's setting, a consent, the terms or a
seal. So the process keeps each answer under the **relationship generation** it was read in:

- Database triggers (migration access.0007) give the one row of `access.RelationshipGeneration`
  a new value in the same transaction as any write to a relationship table
  (`RELATIONSHIP_TABLES`). A statement sees one snapshot, so a generation value names exactly
  one state of those tables: an answer computed under it is the answer for as long as the
  database holds that value.
- Each statement reads the generation with the answer. The staff statement is also handed the
  generation of the answer the process holds: when they are equal it returns only the generation
  (PostgreSQL does not run the rest, a one-time filter) and the held answer is used; otherwise it
  returns the new answer, which replaces the held one. A change is seen by the very next request,
  in every process, with no message to send and nothing to expire (R1, R5, R9).
- Nothing is kept or reused inside a transaction (`connection.in_atomic_block`): there the
  statement may see the transaction's own uncommitted writes, under a generation that a rollback
  would give back. Outside one, each statement commits or reads committed data only.
- No generation row (a freshly flushed database) means "unknown": nothing is kept.
- The session's user is read with the generation too (accounts/backends.py) and noted for the
  request (`note_seen`): when the held answer has that generation, no statement is needed at
  all. That is the state of the relationships when the request began, as good as a statement
  a moment later; a write in the request that changes relationships forgets the note with the
  rest of the request's memo (memo.forget).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.db import connection
from django.db.models import BigIntegerField
from django.db.models.expressions import RawSQL

from folja.access import memo

T = TypeVar("T")

# The tables whose rows the relationship statements read. Each has the trigger of migration
# access.0007 (test_generation checks it against the tables the statements name).
RELATIONSHIP_TABLES = (
    "directory_person",
    "directory_guardianship",
    "directory_placement",
    "directory_duty",
    "directory_dutyassignment",
    "directory_group",
    "directory_groupmembership",
    "directory_organisation",
    "transitions_transitionconsent",
    "transitions_termsofuse",
    "transitions_termsdecision",
)


def generation_column() -> RawSQL:
    """The generation as a column of an ORM query (`.values(relationship_generation=...)`)."""
    return RawSQL(generation_sql(), (), output_field=BigIntegerField())  # noqa: S611 - a fixed subquery


def generation_sql() -> str:
    """SQL for the current generation as a scalar subquery (NULL when unknown)."""
    from folja.access.models import RelationshipGeneration

    q = connection.ops.quote_name
    return f"(SELECT {q('value')} FROM {q(RelationshipGeneration._meta.db_table)} WHERE {q('id')} = 1)"  # noqa: S608


def unchanged_sql() -> str:
    """SQL that is true when the generation equals the one given as a parameter (one %s): the
    held answer is still the answer. False when nothing is held (NULL) or nothing is known."""
    return f"{generation_sql()} = CAST(%s AS BIGINT)"


_SEEN = ("relationship_generation",)


def note_seen(value: int | None) -> None:
    """Note the generation that this request's first statement read (inside a request only)."""
    if value is not None and not connection.in_atomic_block:
        memo.remember(_SEEN, value)


def seen() -> int | None:
    """Return the generation noted for this request, or None."""
    return memo.recall(_SEEN)


def held_answer(held: Held[T], key: Hashable, fetch: Callable[[], tuple[int | None, T]]) -> T:
    """Return the answer of a lookup of relationship tables: the one held for `key` when it was
    read under the generation this request's user was read with, else the answer of `fetch()`,
    which returns (the generation it read, the answer) and is then held. Held answers are shared
    between requests: read them, never change them."""
    item = held.get(key)
    if item is not None and item[0] == seen():
        return item[1]
    read_in, answer = fetch()
    held.put(key, read_in, answer)
    return answer


def rows_with_generation(rows: list[dict]) -> tuple[int | None, list[dict]]:
    """The generation that rows read with `generation_column()` carry, and the rows (for
    `held_answer`; unknown without rows, so nothing is held)."""
    return (rows[0]["relationship_generation"] if rows else None), rows


class Held(Generic[T]):
    """Answers held by this process, each with the generation it was computed in (LRU-bounded)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[int, T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[int, T] | None:
        """Return (generation, answer) held for `key`, or None: none held, or inside a
        transaction, where nothing is reused."""
        if connection.in_atomic_block:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: Hashable, generation: int | None, answer: T) -> None:
        """Hold `answer` for `key`, computed by a statement that read `generation` (not inside a
        transaction, and not when the generation is unknown)."""
        if generation is None or connection.in_atomic_block:
            return
        with self._lock:
            self._items[key] = (generation, answer)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
