"""Who may export which child's portfolio, and who may fetch an export's files.

No rule of its own: a guardian may export a child exactly while `policy.get_child_for` lets them
see it, so a sealed child (R5), an ended custody (R1: no Guardianship row), a child who left the
platform (R6) and pending terms (R9) all end exporting at once, for new exports and finished ones
alike. Staff and children do not export here (R12).
"""

from __future__ import annotations

import uuid as uuid_module

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from folja.access import policy
from folja.access.roles import Role, Viewer
from folja.directory.models import Person
from folja.export.models import Export

# The roles that may export a child's portfolio (the issue: guardians).
EXPORTING_ROLES = (Role.GUARDIAN,)


def exportable_child(viewer: Viewer, child_uuid: uuid_module.UUID | str) -> Person:
    """Return the child if the viewer may export its portfolio, else raise Http404."""
    if viewer.role not in EXPORTING_ROLES:
        raise Http404  # R12
    return policy.get_child_for(viewer, child_uuid)  # R1, R5, R6, R9


def may_export(viewer: Viewer, child: Person) -> bool:
    """Return whether the viewer may export the child now (asked again by the worker and on download)."""
    if viewer.role not in EXPORTING_ROLES:
        return False  # R12
    return policy.visible_children(viewer).filter(pk=child.pk).exists()  # R1, R5, R6, R9


def own_exports(viewer: Viewer) -> QuerySet[Export]:
    """Return the viewer's own exports of children they may still export, newest first."""
    if viewer.role not in EXPORTING_ROLES:
        return Export.objects.none()  # R12
    return Export.objects.filter(
        requested_by=viewer.person,  # an export is its requester's alone
        role=viewer.role,
        child__in=policy.visible_children_ref(viewer),  # R1, R5, R6, R9: checked on every request
    )


def get_export_for(viewer: Viewer, export_uuid: uuid_module.UUID | str) -> Export:
    """Return the viewer's own export if they may still export its child, else raise Http404."""
    try:
        return own_exports(viewer).select_related("child").get(uuid=export_uuid)
    except (Export.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def viewer_of(export: Export) -> Viewer:
    """Return the viewer an export is built as: its requester in the role they asked in."""
    return Viewer(person=export.requested_by, role=Role(export.role))
