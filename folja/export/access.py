"""Who may export which child's portfolio, and who may fetch an export's files.

No rule of its own: everything is `policy.get_child_for` / `policy.visible_children` asked for the
right person.

- A guardian with custody (never a contact person, access/connections.py) may export a child
  exactly while the policy lets them see it, so a sealed child
  (R5), an ended custody (R1: no Guardianship row), a child who left the platform (R6) and
  pending terms (R9) all end exporting at once, for new exports and finished ones alike.
- A staff member connected to the child now (R1, in the session's organisation) may ask for an
  export on behalf of a named guardian of the child, who must be one that may export the child
  now (the guardian's rule above, asked for that guardian). The export is built as that guardian
  (`viewer_of`), never as the staff member. The staff member may fetch it while they are still
  connected and the guardian still may export the child; the guardian may fetch it as their own.
- Children do not export (R12).
"""

from __future__ import annotations

import uuid as uuid_module

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from folja.access import connections, policy
from folja.access.roles import Role, Viewer
from folja.directory.models import Guardianship, Person, RelationType
from folja.export.models import Export

# The roles that may export a child's portfolio as they see it (the issue: guardians).
EXPORTING_ROLES = (Role.GUARDIAN,)
# The roles that may ask for an export on a guardian's behalf (the issue: staff, connected now).
ON_BEHALF_ROLES = (Role.STAFF,)


def exportable_child(viewer: Viewer, child_uuid: uuid_module.UUID | str) -> Person:
    """Return the child if the viewer may export its portfolio, else raise Http404."""
    if viewer.role not in EXPORTING_ROLES:
        raise Http404  # R12
    return connections.get_child_in_custody_for(viewer, child_uuid)  # R1 custody, R5, R6, R9


def may_export(viewer: Viewer, child: Person) -> bool:
    """Return whether the viewer may export the child now (asked again by the worker and on download)."""
    if viewer.role not in EXPORTING_ROLES:
        return False  # R12
    return child.pk in connections.custody_children_ref(viewer)  # R1 custody, R5, R6, R9


def guardian_viewer(guardian: Person) -> Viewer:
    """Return the viewer an export on behalf of this guardian is decided and built as."""
    return Viewer(person=guardian, role=Role.GUARDIAN)


# ---------------------------------------------------------------------------------------------
# A staff member asking on a guardian's behalf
# ---------------------------------------------------------------------------------------------


def child_for_staff_export(viewer: Viewer, child_uuid: uuid_module.UUID | str) -> Person:
    """Return the child if the staff member is connected to it now (R1), else raise Http404."""
    if viewer.role not in ON_BEHALF_ROLES:
        raise Http404  # R12
    return policy.get_child_for(viewer, child_uuid)  # R1 (in the session's organisation), R5


def guardians_to_export_for(child: Person) -> list[Person]:
    """Return the child's guardians a staff member may ask for an export on behalf of: each
    Vårdnadshavare (R1; not sealed, R5) for whom `may_export` holds now (custody, R6, R9)."""
    custody = Guardianship.objects.filter(
        child=child, responsible=OuterRef("pk"), relation_type=RelationType.GUARDIAN
    )  # R1: guardian rights only from Vårdnadshavare
    candidates = Person.objects.unsealed().filter(Exists(custody)).order_by("given_name", "family_name", "pk")
    return [guardian for guardian in candidates if may_export(guardian_viewer(guardian), child)]


def may_export_for(viewer: Viewer, child: Person, guardian: Person) -> bool:
    """Return whether the staff member may (still) act for the guardian on the child's export:
    connected to the child now (R1), and the guardian may export it now."""
    if viewer.role not in ON_BEHALF_ROLES:
        return False  # R12
    if child.pk not in policy.visible_children_ref(viewer):
        return False  # R1, R5: connected now, in the session's organisation
    return may_export(guardian_viewer(guardian), child)  # the guardian's own rule


def requester_viewer(export: Export) -> Viewer:
    """Return the staff member of a staff export as they asked: in their session's organisation."""
    return Viewer(person=export.requested_by, role=Role.STAFF, organisation_id=export.organisation_id)


# ---------------------------------------------------------------------------------------------
# Exports and their files
# ---------------------------------------------------------------------------------------------


def own_exports(viewer: Viewer) -> QuerySet[Export]:
    """Return the exports the viewer may see and fetch, newest first.

    A guardian: their own, and those a staff member asked for on their behalf, of children they
    may still export. A staff member: those they asked for, of children they are still connected
    to; whether each one's guardian still may export the child is asked per child
    (`staff_exports_of`, `get_export_for`).
    """
    if viewer.role in EXPORTING_ROLES:
        mine = Q(requested_by=viewer.person, role=viewer.role, on_behalf_of__isnull=True) | Q(
            on_behalf_of=viewer.person  # their portfolio, asked for by staff
        )
    elif viewer.role in ON_BEHALF_ROLES:
        mine = Q(requested_by=viewer.person, role=viewer.role)
    else:
        return Export.objects.none()  # R12
    return Export.objects.filter(mine, child__in=policy.visible_children_ref(viewer))  # R1, R5, R6, R9


def staff_exports_of(viewer: Viewer, child: Person, guardians: list[Person]) -> QuerySet[Export]:
    """Return the staff member's exports of the child on behalf of guardians who may still export
    it (`guardians`: `guardians_to_export_for(child)`)."""
    return own_exports(viewer).filter(child=child, on_behalf_of__in=[g.pk for g in guardians])


def get_export_for(viewer: Viewer, export_uuid: uuid_module.UUID | str) -> Export:
    """Return the export if the viewer may fetch it now (`own_exports`; for a staff member also
    the guardian's `may_export`), else raise Http404."""
    try:
        export = own_exports(viewer).select_related("child", "on_behalf_of").get(uuid=export_uuid)
    except (Export.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if viewer.role in ON_BEHALF_ROLES and not may_export(guardian_viewer(export.on_behalf_of), export.child):
        raise Http404  # the guardian's custody ended, or they may no longer see the child
    return export


def viewer_of(export: Export) -> Viewer:
    """Return the viewer an export is built as: always a guardian, the one it is for, never staff."""
    if export.on_behalf_of_id is not None:
        return guardian_viewer(export.on_behalf_of)
    return Viewer(person=export.requested_by, role=Role(export.role))


def may_build(export: Export) -> bool:
    """Return whether the export may still be built (asked when the worker starts): the guardian
    it is for may export the child, and a staff requester is still connected to it."""
    if not may_export(viewer_of(export), export.child):
        return False
    if export.on_behalf_of_id is not None:
        return may_export_for(requester_viewer(export), export.child, export.on_behalf_of)
    return True
