"""Guardians without Swedish e-ID (issue 28): who may sign in at the lower level of assurance, and
what a session at that level may do. Each rule is written once, here (docs/access.md).

A guardian without personnummer, samordningsnummer or e-ID may sign in with a one-time code sent
by SMS to the mobile number the SIS lists for them, or with a printed enrolment code from the
child's unit, where the child's organisation (huvudman) has turned the method on. Such a session
is at the level LOWER: it reads and comments as the guardian's e-ID session would, but does not
export, answer consent questions or change where notices are sent.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _

from folja.access.policy import placements_not_ended, staff_connections
from folja.access.roles import Role, Viewer
from folja.directory.models import Guardianship, Person, Phone, RelationType

# The level of assurance of a session started by SMS code or enrolment code (session and sign-in record).
LOWER = "low"
SMS = "sms"
ENROLMENT_CODE = "enrolment_code"
# A pupil's QR code from a teacher (issue 29): a child's session at the lower level.
PUPIL_CODE = "pupil_code"


class Act:
    """What a lower-assurance session is refused. Everything else follows the ordinary rules."""

    # The whole portfolio leaves the platform: needs an identity vouched for by an e-ID.
    EXPORT = "export"
    # Consent (R7 sharing at a transition, photo consent): a decision about the child's data.
    ANSWER_CONSENT = "answer_consent"
    # Where notices go: whoever holds the phone could send the notices elsewhere.
    CHANGE_NOTIFICATION_EMAIL = "change_notification_email"


REFUSED_AT_LOWER = frozenset({Act.EXPORT, Act.ANSWER_CONSENT, Act.CHANGE_NOTIFICATION_EMAIL})

REFUSAL_TEXT = {
    Act.EXPORT: _("Du kan inte exportera barnets dokumentation när du har loggat in med en kod."),
    Act.ANSWER_CONSENT: _("Du kan inte svara på frågor om samtycke när du har loggat in med en kod."),
    Act.CHANGE_NOTIFICATION_EMAIL: _("Du kan inte ändra vart aviseringar skickas när du har loggat in med en kod."),
}


class LowerAssuranceRefused(PermissionDenied):
    """An act refused to a session at the lower level of assurance (rendered with an explanation)."""

    def __init__(self, act: str) -> None:
        super().__init__(act)
        self.act = act


def may_act(viewer: Viewer, act: str) -> bool:
    """The rule: a session at the lower level of assurance may read and comment (and accept the
    terms, which R9 asks before anything is shown) but not do the acts in REFUSED_AT_LOWER."""
    return not (viewer.lower_assurance and act in REFUSED_AT_LOWER)


def require(viewer: Viewer, act: str) -> None:
    """Raise LowerAssuranceRefused when `may_act` says no: for the actions, behind the views' own check."""
    if not may_act(viewer, act):
        raise LowerAssuranceRefused(act)


# ---------------------------------------------------------------------------------------------
# Who may sign in at the lower level
# ---------------------------------------------------------------------------------------------


def _guardian_of_a_child_placed_where(enabled_field: str, on: dt.date | None = None) -> Exists:
    """A filter on Person: Vårdnadshavare (R1) of an unsealed child (R5) with a placement that has
    not ended (R6) in an organisation that turned the method on (`enabled_field` on Organisation)."""
    placed = placements_not_ended(on).filter(**{f"organisation__{enabled_field}": True}, child__sealed_at__isnull=True)
    return Exists(
        Guardianship.objects.filter(
            responsible=OuterRef("pk"), relation_type=RelationType.GUARDIAN, child__in=placed.values("child")
        )
    )


def _digits(field: str) -> Replace:
    """The phone number as the SIS sent it without spaces, hyphens and brackets (in SQL)."""
    expression = field
    for character in (" ", "-", "(", ")", "."):
        expression = Replace(expression, Value(character), Value(""))
    return expression


def guardians_by_mobile(spellings: list[str], on: dt.date | None = None) -> QuerySet[Person]:
    """Return the unsealed persons (R5) who may get a sign-in code by SMS at one of these spellings
    of a mobile number: the SIS lists the number as theirs and as a mobile, and they are
    Vårdnadshavare of a child placed in an organisation that enabled SMS sign-in."""
    mobiles = Phone.objects.annotate(digits=_digits("value")).filter(digits__in=spellings, mobile=True)
    return (
        Person.objects.unsealed()
        .filter(pk__in=mobiles.values("person"))
        .filter(_guardian_of_a_child_placed_where("guardian_sms_sign_in", on))
    )


def may_hold_lower_session(person: Person, method: str, on: dt.date | None = None) -> bool:
    """Return whether a guardian's session at the lower level still holds (asked on every request,
    beside `policy.may_sign_in_as`): the organisation of one of their children still enables the
    method the session was started with."""
    field = {SMS: "guardian_sms_sign_in", ENROLMENT_CODE: "guardian_enrolment_codes"}.get(method)
    if field is None:
        return False
    return Person.objects.unsealed().filter(pk=person.pk).filter(_guardian_of_a_child_placed_where(field, on)).exists()


def enrolment_guardians(staff: Viewer, child: Person, on: dt.date | None = None) -> QuerySet[Person]:
    """Return the guardians a staff member may create a printed enrolment code for, for this child:
    the staff member is connected to the child now (R1, in the session's organisation), the child's
    organisation enabled enrolment codes there, and the guardian is the child's Vårdnadshavare (R1),
    not sealed (R5). None otherwise."""
    if staff.role != Role.STAFF or child.pk not in staff_connections(staff, on).child_ids:
        return Person.objects.none()
    placed = placements_not_ended(on).filter(child=child, organisation__guardian_enrolment_codes=True)
    if staff.organisation_id is not None:
        placed = placed.filter(organisation_id=staff.organisation_id)
    return Person.objects.unsealed().filter(
        Exists(
            Guardianship.objects.filter(
                responsible=OuterRef("pk"),
                relation_type=RelationType.GUARDIAN,
                child=child,
                child__in=placed.values("child"),
            )
        )
    )


def may_create_pupil_code(staff: Viewer, child: Person, on: dt.date | None = None) -> bool:
    """Return whether a staff member may create (or revoke) a sign-in QR code for the child: connected
    to the child now (R1, in the session's organisation: group staff, unit-wide duties, named-child
    access). The code signs in the child alone, who sees only their own documentation (R1)."""
    return staff.role == Role.STAFF and child.pk in staff_connections(staff, on).child_ids
