"""Who is told about culling: the guardians who may see the child today (R1, R5, R6, R12).

No rule of its own: the same conditions as the policy's guardian children (relation type
Vårdnadshavare, the child unsealed and placed somewhere on the platform), asked from the child's
side for a set of children at once.
"""

from __future__ import annotations

from django.db.models import QuerySet

from folja.access import policy
from folja.access.roles import Viewer
from folja.directory.models import Guardianship, Organisation, Person, RelationType


def guardians_to_tell(child_ids: list[int]) -> dict[int, list[Person]]:
    """Return, per child that is unsealed and on the platform, its unsealed guardians."""
    children = Person.objects.unsealed().filter(pk__in=child_ids).filter(policy.has_placement_on_platform())  # R5, R6
    links = (
        Guardianship.objects.filter(child__in=children, relation_type=RelationType.GUARDIAN)  # R1
        .filter(responsible__sealed_at__isnull=True)  # R5
        .select_related("responsible")
        .order_by("child_id", "responsible_id")
    )
    result: dict[int, list[Person]] = {}
    for link in links:
        people = result.setdefault(link.child_id, [])
        if link.responsible not in people:
            people.append(link.responsible)
    return result


def staff_units(viewer: Viewer) -> QuerySet[Organisation]:
    """Return the school units whose coming culling the staff member is shown (their duties' units)."""
    return policy.staff_units(viewer)
