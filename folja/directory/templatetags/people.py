"""`{% labelled members as members %}`: the people of a list with distinguishing labels (`label`)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from folja.directory.labels import labelled as _labelled

register = template.Library()


@register.simple_tag
def labelled(people: Iterable) -> list:
    """Return the people with `label` set, telling apart those with the same name in the list."""
    return _labelled(people)
