"""Child labels as a staff member needs them: told apart from every child they are connected to.

A list on one page may hold only one of two children with the same name (one slot booked, one
child without photo consent, one timeline), yet the staff member knows both: the label is made
distinct against all the children they are connected to now (their names come with the
request's connections, `policy.staff_connections`: no query of their own). Guardians and
children get plain full names: another child's birth date is never shown to a family
(directory/labels.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from folja.access import policy
from folja.access.roles import Role, Viewer
from folja.directory.labels import Named, distinguishing_labels

T = TypeVar("T", bound=Named)


def _connected_children(viewer: Viewer) -> list[policy.ConnectedChild]:
    return list(policy.staff_connections(viewer).children.values())


def child_labels(viewer: Viewer | None, people: Iterable[Named]) -> dict[int, str]:
    """Return {pk: label} for the people as this viewer should see them named."""
    people = list(people)
    if viewer is None or viewer.role != Role.STAFF:
        return {p.pk: f"{p.given_name} {p.family_name}" for p in people}
    names = {f"{p.given_name} {p.family_name}".casefold() for p in people}
    among = [c for c in _connected_children(viewer) if c.full_name.casefold() in names]
    return distinguishing_labels(people, among)


def labelled(viewer: Viewer | None, people: Iterable[T]) -> list[T]:
    """Return the people as a list, each with `label` set (child_labels)."""
    people = list(people)
    labels = child_labels(viewer, people)
    for person in people:
        person.label = labels[person.pk]  # type: ignore[attr-defined]
    return people
