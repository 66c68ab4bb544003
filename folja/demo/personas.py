"""The demo personas: the people to try Följa as, found again in the database.

The builder tags each persona person with a PersonSisId `demo-persona:<key>` (see builder.py);
everything else (label, children, units) is derived from the world's relationships as they hold
today, in a fixed number of queries, so the list stays right after the world is changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from folja.accounts.models import PupilCode
from folja.demo.families import NEWCOMER_MOBILE
from folja.demo.plan import PERSONA_PREFIX
from folja.directory.models import (
    ContactConnection,
    Duty,
    DutyAssignment,
    GroupMembership,
    Guardianship,
    Person,
    PersonSisId,
    RelationType,
)

# Persona key -> role the persona signs in as, in the order the picker shows them.
PERSONA_ROLES: dict[str, str] = {
    "preschool_teacher": "staff",
    "child_minder_hidden": "staff",
    "principal": "staff",
    "two_units": "staff",
    "teacher_guardian": "staff",
    "fklass_teacher": "staff",
    "special_educator": "staff",
    "guardian_one_child": "guardian",
    "guardian_household_a": "guardian",
    "guardian_household_b": "guardian",
    "guardian_hidden_group": "guardian",
    "guardian_teacher": "guardian",
    "guardian_moved_child": "guardian",
    "guardian_siblings": "guardian",
    "guardian_without_e_id": "guardian",
    "guardian_arabic": "guardian",
    "guardian_ukrainian": "guardian",
    "foster_parent": "guardian",
    "pupil": "child",
}
PERSONA_KEYS = tuple(PERSONA_ROLES)


def _notes() -> dict[str, str]:
    """Return the Swedish remark added to each persona's label (evaluated per call for gettext)."""
    return {
        "child_minder_hidden": _("grupp med dolda medlemmar"),
        "two_units": _("arbetar på två enheter"),
        "teacher_guardian": _("är också vårdnadshavare på en annan förskola"),
        "fklass_teacher": _("tar emot barn från förskolan: ser förskolans inlägg bara om barnet med samtycke"),
        "guardian_household_a": _("barnets vårdnadshavare bor i två hushåll"),
        "guardian_household_b": _("barnets vårdnadshavare bor i två hushåll"),
        "guardian_hidden_group": _("grupp med dolda medlemmar"),
        "guardian_teacher": _("arbetar själv som förskollärare på en annan förskola"),
        "guardian_moved_child": _("barnet har bytt från förskola till förskoleklass"),
        "guardian_siblings": _("syskon"),
        "guardian_without_e_id": _(
            "nyanländ, utan e-legitimation: logga in med kod via sms till %(mobile)s, koden skrivs ut i terminalen"
        )
        % {"mobile": NEWCOMER_MOBILE},
        "special_educator": _("har åtkomst till ett namngivet barn, beviljad av rektorn"),
        "guardian_arabic": _("läser Följa på arabiska, från höger till vänster"),
        "guardian_ukrainian": _("läser Följa på ukrainska"),
        "foster_parent": _("familjehemsförälder: ser lärloggen men svarar inte på samtycken"),
    }


def demo_personas() -> list[dict]:
    """Return the demo personas for the dev-only picker; [] without a demo world.

    With FOLJA_DEBUG the full (fictitious) civic numbers are included, to type into the test e-ID;
    otherwise only the masked ones.
    """
    return persona_rows(include_civic_number=settings.DEBUG)


def persona_rows(*, include_civic_number: bool) -> list[dict]:
    """Return one dict per persona: key, role, label, name, person_uuid, children, units and civic number.

    The full civic number is included only when asked (with FOLJA_DEBUG: the persona picker and
    the output of demo_world); the masked one always. Six queries at most, whatever the size of the world.
    """
    tags = list(
        PersonSisId.objects.filter(sis_id__startswith=PERSONA_PREFIX, person__sealed_at__isnull=True).select_related(
            "person"
        )
    )
    if not tags:
        return []
    by_key = {tag.sis_id.removeprefix(PERSONA_PREFIX): tag.person for tag in tags}
    persons = {person.pk: person for person in by_key.values()}
    duties: dict[int, list[Duty]] = {}
    for duty in (
        Duty.objects.active()
        .filter(person__in=persons)
        .select_related("school_unit")
        .prefetch_related(
            Prefetch(
                "assignments", DutyAssignment.objects.active().select_related("group").order_by("group__display_name")
            )
        )
        .order_by("school_unit__display_name", "pk")
    ):
        duties.setdefault(duty.person_id, []).append(duty)
    children: dict[int, list[Person]] = {}
    for link in (
        Guardianship.objects.filter(
            responsible__in=persons, relation_type=RelationType.GUARDIAN, child__sealed_at__isnull=True
        )
        .select_related("child")
        .order_by("child__birth_date", "child__uuid")
    ):
        children.setdefault(link.responsible_id, []).append(link.child)
    # Contact persons (issue 28): the children connected to them now, as a guardian's.
    for connection in (
        ContactConnection.objects.active()
        .filter(contact__in=persons, ended_at__isnull=True, child__sealed_at__isnull=True)
        .select_related("child")
        .order_by("child__birth_date", "child__uuid")
    ):
        children.setdefault(connection.contact_id, []).append(connection.child)
    pupils = [p.pk for key, p in by_key.items() if PERSONA_ROLES.get(key) == "child"]
    child_pks = {child.pk for kids in children.values() for child in kids} | set(pupils)
    groups: dict[int, list[tuple[str, str]]] = {}
    for membership in (
        GroupMembership.objects.active()
        .filter(person__in=child_pks)
        .select_related("group__school_unit")
        .order_by("group__display_name")
    ):
        group = membership.group
        groups.setdefault(membership.person_id, []).append((group.display_name, group.school_unit.display_name))

    notes = _notes()
    rows = []
    for key in PERSONA_KEYS:
        person = by_key.get(key)
        if person is None:
            continue
        role = PERSONA_ROLES[key]
        if role == "staff":
            label, units = _staff_label(duties.get(person.pk, []))
            kids: list[Person] = []
        elif role == "guardian":
            kids = children.get(person.pk, [])
            label, units = _guardian_label(kids, groups, contact=key == "foster_parent")
        else:
            kids = []
            places = groups.get(person.pk, [])
            label = ", ".join(_("Elev i %(group)s, %(unit)s") % {"group": g, "unit": u} for g, u in places)
            units = _unique(u for _g, u in places)
        if key in notes:
            label = f"{label} ({notes[key]})"
        if key == "pupil" and settings.DEBUG:
            from folja.demo.voice import demo_pupil_code_path

            note = _("QR-kod till eleven, en gång: %(path)s") % {"path": demo_pupil_code_path(person)}
            label = f"{label} ({note})"
            code = PupilCode.objects.filter(child=person).select_related("created_by").first()
            if code is not None and include_civic_number:  # who approves what the pupil writes
                teacher = _("läraren %(name)s, %(civic_number)s, godkänner det eleven skriver") % {
                    "name": code.created_by.full_name,
                    "civic_number": code.created_by.civic_number,
                }
                label = f"{label} ({teacher})"
        row = {
            "key": key,
            "role": role,
            "label": label,
            "name": person.full_name,
            "person_uuid": str(person.uuid),
            "masked_civic_number": person.masked_civic_number,
            "children": [child.full_name for child in kids],
            "units": units,
        }
        if include_civic_number:
            row["civic_number"] = person.civic_number
        rows.append(row)
    return rows


def _staff_label(duties: list[Duty]) -> tuple[str, list[str]]:
    parts = []
    for duty in duties:
        unit = duty.school_unit.display_name
        role = duty.get_duty_role_display()
        assigned = [a.group.display_name for a in duty.assignments.all()]
        if assigned:
            parts.append(
                _("%(role)s på %(groups)s, %(unit)s") % {"role": role, "groups": ", ".join(assigned), "unit": unit}
            )
        else:
            parts.append(_("%(role)s på %(unit)s") % {"role": role, "unit": unit})
    return _(" och ").join(parts), _unique(d.school_unit.display_name for d in duties)


def _guardian_label(
    kids: list[Person], groups: dict[int, list[tuple[str, str]]], *, contact: bool = False
) -> tuple[str, list[str]]:
    described = []
    units = []
    for child in kids:
        places = groups.get(child.pk, [])
        units.extend(u for _g, u in places)
        where = "; ".join(f"{g}, {u}" for g, u in places)
        described.append(f"{child.given_name} ({where})" if where else child.given_name)
    title = _("Kontaktperson för %(children)s") if contact else _("Vårdnadshavare till %(children)s")
    return title % {"children": _(" och ").join(described)}, _unique(units)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
