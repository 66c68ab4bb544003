"""Child names as the viewer should see them (access/labels.py).

`{% labelled members as members %}` sets `label` on each person; `{% child_label child %}` names
one child. For staff, two children with the same name are told apart; families get full names.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from folja.access import labels

register = template.Library()


@register.simple_tag(takes_context=True)
def labelled(context: template.Context, people: Iterable) -> list:
    """Return the people with `label` set, as the page's viewer should see them named."""
    return labels.labelled(context.get("viewer"), people)


@register.simple_tag(takes_context=True)
def child_label(context: template.Context, child: object) -> str:
    """Return one child's name as the page's viewer should see it."""
    return labels.child_labels(context.get("viewer"), [child])[child.pk]
