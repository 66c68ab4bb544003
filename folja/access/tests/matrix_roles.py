"""Who looks and what a cell is, for the authorization matrix (test_matrix.py) and its row modules:
the roles of the cast, their twins (a role that must answer as another does) and the exceptions."""

from __future__ import annotations

from dataclasses import dataclass

from folja.access import assurance
from folja.access.roles import Role

# Who is looking: (key, person in the cast, role). None person = anonymous; "admin" = org admin account.
ROLES: dict[str, tuple[str | None, Role | None]] = {
    "guardian_of_c": ("anna", Role.GUARDIAN),
    "guardian_other_child_same_group": ("cecilia", Role.GUARDIAN),
    "guardian_hidden_member_group": ("david", Role.GUARDIAN),
    "child_c": ("alva", Role.CHILD),
    "other_child": ("bertil", Role.CHILD),
    "connected_staff": ("teacher_blue", Role.STAFF),
    "principal": ("principal", Role.STAFF),
    "same_unit_not_connected": ("minder_yellow", Role.STAFF),
    "other_unit_staff": ("teacher_larkan", Role.STAFF),
    "former_unit_staff": ("teacher_granen", Role.STAFF),
    # Receiving school staff: with consent for Tyra, without for Maja and Viggo (R8 is per child).
    "receiving_school_without_consent": ("teacher_fklass", Role.STAFF),
    "guardian_who_is_staff_elsewhere_as_staff": ("johan", Role.STAFF),
    "org_admin": ("org_admin", None),
    "anonymous": (None, None),
    # A teacher with duties in two organisations (matrix_rows_organisations): in Blåbären at
    # Solrosen (organisation A) and in Humlan at Lärkan (organisation B), signed in through each.
    "two_organisations_via_a": ("teacher_two_orgs", Role.STAFF),
    "two_organisations_via_b": ("teacher_two_orgs", Role.STAFF),
    # Anna signed in without e-ID, by SMS code: the lower level of assurance (access/assurance.py).
    "guardian_of_c_without_e_id": ("anna", Role.GUARDIAN),
    # Issue 28 (matrix_rows_contacts): Alva's foster parent, a contact person in the guardian role;
    # a special educator at Solrosen in no group, granted access to Alva by name.
    "contact_of_c": ("foster_alva", Role.GUARDIAN),
    "named_child_staff": ("special_educator", Role.STAFF),
}
# Sessions started otherwise than the test e-ID: their method and level of assurance.
SESSION_ASSURANCE = {"guardian_of_c_without_e_id": {"method": assurance.SMS, "loa": assurance.LOWER}}
# The organisation a staff role's session belongs to, where the person has duties in several.
SESSION_ORGANISATION = {"two_organisations_via_a": "org_a", "two_organisations_via_b": "org_b"}
# Roles that must be answered exactly as another role on every cell that does not name them: the
# teacher of two organisations acts in A as Blåbären's teacher (connected_staff) does and in B as
# Humlan's (other_unit_staff) does, never as both (access-rules.md, "The session's organisation").
TWINS = {
    "two_organisations_via_a": "connected_staff",
    "two_organisations_via_b": "other_unit_staff",
    # A guardian without e-ID sees and comments as the guardian with e-ID does, but does not
    # export or answer consent questions (`assurance.may_act`): the cells below.
    "guardian_of_c_without_e_id": "guardian_of_c",
    "contact_of_c": "guardian_of_c",
    "named_child_staff": "connected_staff",
}
REFUSED_WITHOUT_E_ID = (
    "export page/read",
    "export/create",
    "export pdf/read",
    "export zip/read",
    "staff export pdf/read",
    "staff export zip/read",
    "transition consent/read",
    "transition consent/edit",
    "child settings/edit",
)
# Where the twin's answer comes from who wrote something, not from the rules.
NOT_TWINS = {
    ("draft/read", "two_organisations_via_a"),
    ("draft/publish", "two_organisations_via_a"),
    ("staff notice/open", "two_organisations_via_a"),
    ("child's pending post notice/open", "two_organisations_via_a"),  # Tove's notice: Tora has her own
} | {(name, "guardian_of_c_without_e_id") for name in REFUSED_WITHOUT_E_ID}
# A file sent in parts is its uploader's alone; the twins of its uploader (Blåbären's teacher) are others.
NOT_TWINS |= {
    (f"resumable upload{what}", twin)
    for what in ("/read", " offset/read", "/edit", "/delete")
    for twin in ("two_organisations_via_a", "named_child_staff")
}
# Issue 28 (matrix_rows_contacts): a contact person acts for no child (no custody): the child's
# settings, consent and its preview, exports; notices and devices are the guardian's own. Named-child
# access connects a staff member to one child, never to a group: the group's pages, composing,
# coverage, talk slots and plans, another family's thread, and editing a group post are not theirs.
NOT_TWINS |= {
    (cell, "contact_of_c")
    for cell in (
        "child settings/read",
        "child settings/edit",
        "transition consent/read",
        "transition consent/edit",
        "transition preview/read",
        "export page/read",
        "export/create",
        "export progress/read",
        "export pdf/read",
        "export zip/read",
        "staff export progress/read",
        "staff export pdf/read",
        "staff export zip/read",
        "notice/open",
        "consent notice/open",
        "push device/delete",
    )
} | {
    (cell, "named_child_staff")
    for cell in (
        "draft/read",
        "draft/publish",
        "comment/hide",
        "family comment translation/create",
        "member list/read",
        "group log/read",
        "group log/next page",
        "compose/create form",
        "compose/create",
        "compose autosave/new post",
        "group coverage/read",
        "group coverage CSV/export",
        "group attention/read",
        "other family's talk/read",
        "pupil part draft/read",
        "slots/publish",
        "slot/withdraw",
        "plan/create",
        "terms status/read",
        "mixed transition/edit form",
        "mixed transition/edit",
        "staff notice/open",
        "child's pending post notice/open",
    )
}
FAMILY_OF_C = {"guardian_of_c", "child_c"}
STAFF_OF_C = {"connected_staff", "principal"}
# Every staff role with a duty: pages that show a staff member only their own connections.
ALL_STAFF = frozenset(
    STAFF_OF_C
    | {
        "same_unit_not_connected",
        "other_unit_staff",
        "former_unit_staff",
        "receiving_school_without_consent",
        "guardian_who_is_staff_elsewhere_as_staff",
    }
)


@dataclass(frozen=True)
class Cell:
    """One resource × action: how to request it and which roles may."""

    name: str
    url_name: str
    method: str
    allowed: frozenset[str]
    args: tuple[str, ...] = ()
    data: tuple[tuple[str, str], ...] = ()
    query: str = ""
    # What an answer must and must not show, per role ("*": every role), beyond allowed or denied:
    # R8 is per child, so the same page is allowed and still must hide other children's parts.
    shows: tuple[tuple[str, str], ...] = ()
    hides: tuple[tuple[str, str], ...] = ()
    # Request headers (API cells); with a "Content-Type" the body is the data's values as they are.
    headers: tuple[tuple[str, str], ...] = ()
