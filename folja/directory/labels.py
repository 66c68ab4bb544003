"""Labels that tell children apart where staff choose a child (issue 25, point 4).

Two children with the same name in one list (the composer, talk lists, booking slot choices,
member lists) are a privacy risk: documenting for the wrong child reaches the wrong family. A
label is the full name; when another person in the same list has the same full name, the middle
name is added, and when that does not tell them apart either, the birth date. The birth date is
not a civic number (never shown unmasked) and is already known to the staff connected to the child.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Protocol, TypeVar

from django.utils.formats import date_format
from django.utils.translation import gettext as _


class Named(Protocol):
    pk: int
    given_name: str
    middle_name: str
    family_name: str


T = TypeVar("T", bound=Named)


def _full(person: Named) -> str:
    return f"{person.given_name} {person.family_name}"


def _with_middle(person: Named) -> str:
    middle = getattr(person, "middle_name", "") or ""
    return " ".join(part for part in (person.given_name, middle, person.family_name) if part)


def distinguishing_labels(people: Iterable[Named], among: Iterable[Named] = ()) -> dict[int, str]:
    """Return {pk: label} for the people of one list: the full name, made distinct from the
    others' in the list (and in `among`, the other children the reader knows, who may not be in
    this list) by the middle name, else by the birth date ("född 4 mars 2021")."""
    people = list({p.pk: p for p in people}.values())
    pool = list({p.pk: p for p in [*among, *people]}.values())
    same_name = Counter(_full(p).casefold() for p in pool)
    labels: dict[int, str] = {}
    for person in people:
        if same_name[_full(person).casefold()] < 2:
            labels[person.pk] = _full(person)
            continue
        twins = [p for p in pool if _full(p).casefold() == _full(person).casefold()]
        middles = Counter(_with_middle(p).casefold() for p in twins)
        label = _with_middle(person)
        born = getattr(person, "birth_date", None)
        if middles[label.casefold()] > 1 and born is not None:
            label = _("%(name)s, född %(born)s") % {"name": label, "born": date_format(born, "DATE_FORMAT")}
        labels[person.pk] = label
    return labels


def labelled(people: Iterable[T], among: Iterable[Named] = ()) -> list[T]:
    """Return the people as a list, each with `label` set (distinguishing_labels)."""
    people = list(people)
    labels = distinguishing_labels(people, among)
    for person in people:
        person.label = labels[person.pk]  # type: ignore[attr-defined]
    return people
