"""The fixed test cast: two organisations and every kind of person the access rules speak of.

Built once per test class (`setUpTestData`) with `build_cast()`. Dates are relative to today,
so the cast is always current. Civic numbers are fictitious (serial range 9800–9899).

    Exempelby kommun (huvudman A)
      Solrosens förskola (FS): group Blåbären (ordinary), group Gula (hidden members)
      Granens förskola (FS):   group Myran
      Ekbackens skola (FKLASS, GR): group F-klass A
    Lärkans friskola AB (huvudman B)
      Lärkans förskola (FS): group Humlan

    alva (Blåbären)  guardians anna + johan (two households; johan also teaches at Granen/Myran)
    bertil (Blåbären) guardian cecilia
    cleo, elin (Gula, hidden)  guardians david (cleo), frida (elin)
    maja: Granen/Myran until 60 days ago, Ekbacken/F-klass A since 59 days ago; guardian gustav
    sigge (Blåbären) sealed (R5); guardian hanna
    olle (Lärkan/Humlan, org B); guardian pia

    teacher_blue (Förskollärare, Blåbären)    minder_yellow (Barnskötare, Gula)
    principal (Rektor, Solrosen)             teacher_granen (Förskollärare, Granen/Myran)
    teacher_fklass (Lärare, Ekbacken/F-klass A)  teacher_larkan (Förskollärare, Lärkan/Humlan)
    org_admin: a person with an admin account and no duty
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from folja.access.roles import Role, Viewer
from folja.core.dates import today
from folja.curriculum.loader import load_lpfo18
from folja.curriculum.models import Goal
from folja.directory import civic
from folja.directory.models import (
    Address,
    Duty,
    DutyAssignment,
    Email,
    Group,
    GroupMembership,
    Guardianship,
    Organisation,
    OrganisationType,
    Person,
    Phone,
    Placement,
    RelationType,
)
from folja.learninglog.models import Comment, Post, PostChild, PostGoal, PostKind, PostStatus


def civic_number(birth: dt.date, serial: int) -> str:
    """Return a fictitious 12-digit civic number with a valid check digit."""
    nine = birth.strftime("%y%m%d") + f"{serial:03d}"
    return birth.strftime("%Y%m%d") + f"{serial:03d}" + str(civic.luhn_digit(nine))


@dataclass
class Cast:
    day: dt.date
    org_a: Organisation
    org_b: Organisation
    solrosen: Organisation
    granen: Organisation
    ekbacken: Organisation
    larkan: Organisation
    blue: Group
    yellow: Group
    myran: Group
    fklass: Group
    humlan: Group
    persons: dict[str, Person] = field(default_factory=dict)
    posts: dict[str, Post] = field(default_factory=dict)
    comments: dict[str, Comment] = field(default_factory=dict)
    goals: list[Goal] = field(default_factory=list)

    def __getattr__(self, name: str) -> Person:
        persons = self.__dict__.get("persons", {})
        if name in persons:
            return persons[name]
        raise AttributeError(name)

    def viewer(self, name: str, role: Role | str) -> Viewer:
        return Viewer(person=self.persons[name], role=Role(role))


_serial = iter(range(9800, 9900))


def _person(cast: Cast, key: str, given: str, family: str, birth: dt.date) -> Person:
    person = Person.objects.create(
        given_name=given, family_name=family, birth_date=birth, civic_number=civic_number(birth, next(_serial) % 1000)
    )
    cast.persons[key] = person
    return person


def _place(child: Person, placements: list[tuple]) -> None:
    """Place the child: for each (unit, group, start, end) a placement and a group membership."""
    for unit, group, start, end in placements:
        Placement.objects.create(
            organisation=unit.organisation,
            child=child,
            school_unit=unit,
            group=group,
            school_type=unit.school_types[0],
            start_date=start,
            end_date=end,
        )
        GroupMembership.objects.create(
            organisation=unit.organisation, group=group, person=child, start_date=start, end_date=end
        )


def build_cast() -> Cast:
    """Create the cast in the database and return it."""
    global _serial
    _serial = iter(range(800, 900))
    day = today()
    long_ago = day - dt.timedelta(days=600)
    org_a = Organisation.objects.create(
        organisation_type=OrganisationType.HUVUDMAN, display_name="Exempelby kommun", municipality_code="9999"
    )
    org_b = Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Lärkans friskola AB")

    def unit(org: Organisation, name: str, code: str, types: list[str]) -> Organisation:
        return Organisation.objects.create(
            organisation=org,
            parent=org,
            organisation_type=OrganisationType.SKOLENHET,
            display_name=name,
            school_unit_code=code,
            school_types=types,
        )

    solrosen = unit(org_a, "Solrosens förskola", "99000001", ["FS"])
    granen = unit(org_a, "Granens förskola", "99000002", ["FS"])
    ekbacken = unit(org_a, "Ekbackens skola", "99000003", ["FKLASS", "GR"])
    larkan = unit(org_b, "Lärkans förskola", "99000004", ["FS"])

    def group(u: Organisation, name: str, group_type: str, hidden: bool = False) -> Group:
        return Group.objects.create(
            organisation=u.organisation,
            school_unit=u,
            display_name=name,
            group_type=group_type,
            school_type=u.school_types[0],
            start_date=long_ago,
            hidden_members=hidden,
        )

    cast = Cast(
        day=day,
        org_a=org_a,
        org_b=org_b,
        solrosen=solrosen,
        granen=granen,
        ekbacken=ekbacken,
        larkan=larkan,
        blue=group(solrosen, "Blåbären", "Avdelning"),
        yellow=group(solrosen, "Gula", "Avdelning", hidden=True),
        myran=group(granen, "Myran", "Avdelning"),
        fklass=group(ekbacken, "F-klass A", "Klass"),
        humlan=group(larkan, "Humlan", "Avdelning"),
    )

    # Children and their placements.
    def child(key: str, given: str, family: str, age: int, placements: list[tuple]) -> Person:
        person = _person(cast, key, given, family, day - dt.timedelta(days=365 * age + 40))
        _place(person, placements)
        return person

    moved_on = day - dt.timedelta(days=59)
    child("alva", "Alva", "Lind", 4, [(solrosen, cast.blue, long_ago, None)])
    child("bertil", "Bertil", "Ek", 4, [(solrosen, cast.blue, long_ago, None)])
    child("cleo", "Cleo", "Berg", 3, [(solrosen, cast.yellow, long_ago, None)])
    child("elin", "Elin", "Strand", 3, [(solrosen, cast.yellow, long_ago, None)])
    child(
        "maja",
        "Maja",
        "Holm",
        6,
        [(granen, cast.myran, long_ago, moved_on - dt.timedelta(days=1)), (ekbacken, cast.fklass, moved_on, None)],
    )
    child("sigge", "Sigge", "Dal", 4, [(solrosen, cast.blue, long_ago, None)])
    child("olle", "Olle", "Vik", 4, [(larkan, cast.humlan, long_ago, None)])

    # Guardians.
    def guardian(key: str, given: str, family: str, children: list[str], org: Organisation = org_a) -> Person:
        person = _person(cast, key, given, family, day - dt.timedelta(days=365 * 35))
        for c in children:
            Guardianship.objects.create(
                organisation=org, child=cast.persons[c], responsible=person, relation_type=RelationType.GUARDIAN
            )
        Email.objects.create(person=person, value=f"{key}@example.se", type="Privat")
        Phone.objects.create(person=person, value="070-000 00 00", type="Hem")
        Address.objects.create(
            person=person, street_address=f"{family}vägen 1", postal_code="999 99", locality="Exempelby"
        )
        return person

    guardian("anna", "Anna", "Lind", ["alva"])
    guardian("johan", "Johan", "Lind", ["alva"])
    guardian("cecilia", "Cecilia", "Ek", ["bertil"])
    guardian("david", "David", "Berg", ["cleo"])
    guardian("frida", "Frida", "Strand", ["elin"])
    guardian("gustav", "Gustav", "Holm", ["maja"])
    guardian("hanna", "Hanna", "Dal", ["sigge"])
    guardian("pia", "Pia", "Vik", ["olle"], org=org_b)
    # An "Annan ansvarig" gets no guardian rights.
    other = _person(cast, "other_responsible", "Olof", "Annan", day - dt.timedelta(days=365 * 60))
    Guardianship.objects.create(
        organisation=org_a, child=cast.persons["alva"], responsible=other, relation_type=RelationType.OTHER_RESPONSIBLE
    )
    Address.objects.create(
        person=cast.persons["alva"], street_address="Lindvägen 1", postal_code="999 99", locality="Exempelby"
    )

    # Staff.
    def staff(key: str, given: str, family: str, u: Organisation, role: str, groups: list[Group]) -> Person:
        person = cast.persons.get(key) or _person(cast, key, given, family, day - dt.timedelta(days=365 * 40))
        duty = Duty.objects.create(
            organisation=u.organisation, person=person, school_unit=u, duty_role=role, start_date=long_ago
        )
        for g in groups:
            DutyAssignment.objects.create(duty=duty, group=g, assignment_role_type="Förskollärare", start_date=long_ago)
        return person

    staff("teacher_blue", "Tove", "Lärare", solrosen, "Förskollärare", [cast.blue])
    staff("minder_yellow", "Mats", "Skötare", solrosen, "Barnskötare", [cast.yellow])
    staff("principal", "Petra", "Rektor", solrosen, "Rektor", [])
    staff("teacher_granen", "Greta", "Gran", granen, "Förskollärare", [cast.myran])
    staff("teacher_fklass", "Frans", "Klass", ekbacken, "Lärare", [cast.fklass])
    staff("teacher_larkan", "Lena", "Lärka", larkan, "Förskollärare", [cast.humlan])
    staff("johan", "Johan", "Lind", granen, "Förskollärare", [cast.myran])  # a guardian who also teaches
    _person(cast, "org_admin", "Ada", "Admin", day - dt.timedelta(days=365 * 45))

    # Sealing happens after the documentation exists (R5): see below.
    load_lpfo18()
    cast.goals = list(Goal.objects.order_by("area__seq", "seq")[:3])

    def post(
        key: str,
        author: str,
        u: Organisation,
        kind: str,
        children: list[str],
        *,
        group: Group | None = None,
        days_ago: int = 10,
        status: str = PostStatus.PUBLISHED,
    ) -> Post:
        activity = day - dt.timedelta(days=days_ago)
        p = Post.objects.create(
            organisation=u.organisation,
            school_unit=u,
            group=group,
            kind=kind,
            status=status,
            author=cast.persons[author],
            title=f"Inlägg {key}",
            body_html=f"<p>Text {key}</p>",
            activity_date=activity,
        )
        PostChild.objects.bulk_create(
            [PostChild(post=p, child=cast.persons[c], activity_date=activity) for c in children]
        )
        PostGoal.objects.create(post=p, goal=cast.goals[0])
        cast.posts[key] = p
        return p

    post("alva_individual", "teacher_blue", solrosen, PostKind.INDIVIDUAL, ["alva"])
    post("blue_group", "teacher_blue", solrosen, PostKind.GROUP, ["alva", "bertil", "sigge"], group=cast.blue)
    post("blue_group_without_bertil", "teacher_blue", solrosen, PostKind.GROUP, ["alva"], group=cast.blue)
    post("alva_draft", "teacher_blue", solrosen, PostKind.INDIVIDUAL, ["alva"], status=PostStatus.DRAFT)
    post("yellow_group", "minder_yellow", solrosen, PostKind.GROUP, ["cleo", "elin"], group=cast.yellow)
    post("maja_preschool", "teacher_granen", granen, PostKind.INDIVIDUAL, ["maja"], days_ago=120)
    post("maja_school", "teacher_fklass", ekbacken, PostKind.INDIVIDUAL, ["maja"], days_ago=5)
    post("sigge_individual", "teacher_blue", solrosen, PostKind.INDIVIDUAL, ["sigge"])
    post("olle_individual", "teacher_larkan", larkan, PostKind.INDIVIDUAL, ["olle"])

    def comment(key: str, post_key: str, author: str, role: str, family: str | None) -> None:
        cast.comments[key] = Comment.objects.create(
            post=cast.posts[post_key],
            author=cast.persons[author],
            author_role=role,
            family_child=cast.persons[family] if family else None,
            body=f"Kommentar {key}",
        )

    comment("anna_on_group", "blue_group", "anna", "guardian", "alva")
    comment("cecilia_on_group", "blue_group", "cecilia", "guardian", "bertil")
    comment("staff_to_all", "blue_group", "teacher_blue", "staff", None)
    comment("staff_to_bertil", "blue_group", "teacher_blue", "staff", "bertil")
    comment("david_on_yellow", "yellow_group", "david", "guardian", "cleo")

    # R5: Sigge got a security marking after being documented; his record is sealed.
    sigge = cast.persons["sigge"]
    sigge.security_marking = "Skyddad folkbokföring"
    sigge.sealed_at = dt.datetime.now(dt.UTC)
    sigge.save(update_fields=["security_marking", "sealed_at"])
    return cast


def build_mixed_transition(cast: Cast) -> dict[str, Person | Post | Comment]:
    """Add a move from preschool to school with consent per child (R8 per child) to the cast.

    Tyra and Viggo were in Blåbären at Solrosen and started in F-klass A at Ekbacken 59 days ago;
    Alva stays. Tyra's guardian Kerstin said yes to sharing, Viggo's guardian Lars has not
    answered (R7: no). A group post at Solrosen from 100 days ago names all three, with a comment
    from each family, a comment from staff to everyone, one to Viggo's family, and a hidden one
    from Kerstin. The receiving teacher (teacher_fklass) must see that post as it concerns Tyra
    alone: her name, her family's visible comments and staff comments to everyone; nothing of
    Viggo or Alva, nothing on Viggo's timeline, and nothing to edit, delete, hide or comment.

    Returns the new persons, the post ("mixed_group") and the comments, also added to the cast.
    """
    from django.utils import timezone

    from folja.transitions.models import TransitionConsent

    day = cast.day
    long_ago = day - dt.timedelta(days=600)
    moved_on = day - dt.timedelta(days=59)
    made: dict[str, Person | Post | Comment] = {}
    for key, given, family in (("tyra", "Tyra", "Sol"), ("viggo", "Viggo", "Regn")):
        child = _person(cast, key, given, family, day - dt.timedelta(days=365 * 6 + 20))
        _place(
            child,
            [
                (cast.solrosen, cast.blue, long_ago, moved_on - dt.timedelta(days=1)),
                (cast.ekbacken, cast.fklass, moved_on, None),
            ],
        )
        made[key] = child
    for key, given, family, child in (("kerstin", "Kerstin", "Sol", "tyra"), ("lars", "Lars", "Regn", "viggo")):
        guardian = _person(cast, key, given, family, day - dt.timedelta(days=365 * 36))
        Guardianship.objects.create(
            organisation=cast.org_a,
            child=cast.persons[child],
            responsible=guardian,
            relation_type=RelationType.GUARDIAN,
        )
        made[key] = guardian
    TransitionConsent.objects.create(
        child=cast.persons["tyra"], guardian=cast.persons["kerstin"], allowed=True, answered_at=timezone.now()
    )

    activity = day - dt.timedelta(days=100)
    post = Post.objects.create(
        organisation=cast.org_a,
        school_unit=cast.solrosen,
        group=cast.blue,
        kind=PostKind.GROUP,
        status=PostStatus.PUBLISHED,
        author=cast.persons["teacher_blue"],
        title="Inlägg mixed_group",
        body_html="<p>Text mixed_group</p>",
        activity_date=activity,
    )
    PostChild.objects.bulk_create(
        PostChild(post=post, child=cast.persons[c], activity_date=activity) for c in ("tyra", "viggo", "alva")
    )
    PostGoal.objects.create(post=post, goal=cast.goals[0])
    cast.posts["mixed_group"] = post
    made["mixed_group"] = post
    for key, author, role, family, hidden in (
        ("kerstin_on_mixed", "kerstin", "guardian", "tyra", False),
        ("kerstin_hidden_on_mixed", "kerstin", "guardian", "tyra", True),
        ("lars_on_mixed", "lars", "guardian", "viggo", False),
        ("anna_on_mixed", "anna", "guardian", "alva", False),
        ("staff_to_all_on_mixed", "teacher_blue", "staff", None, False),
        ("staff_to_viggo_on_mixed", "teacher_blue", "staff", "viggo", False),
    ):
        comment = Comment.objects.create(
            post=post,
            author=cast.persons[author],
            author_role=role,
            family_child=cast.persons[family] if family else None,
            body=f"Kommentar {key}",
            hidden_at=timezone.now() if hidden else None,
            hidden_by=cast.persons["teacher_blue"] if hidden else None,
        )
        cast.comments[key] = comment
        made[key] = comment
    return made


def build_two_organisations(cast: Cast) -> Person:
    """Add a teacher with duties in both organisations of the cast: Förskollärare in Blåbären at
    Solrosen (organisation A) and in Humlan at Lärkan (organisation B). A staff session belongs to
    one organisation, and connections count only there (access-rules.md)."""
    teacher = _person(cast, "teacher_two_orgs", "Tora", "Tvåhuvud", cast.day - dt.timedelta(days=365 * 38))
    for unit, group in ((cast.solrosen, cast.blue), (cast.larkan, cast.humlan)):
        duty = Duty.objects.create(
            organisation=unit.organisation,
            person=teacher,
            school_unit=unit,
            duty_role="Förskollärare",
            start_date=cast.day - dt.timedelta(days=600),
        )
        DutyAssignment.objects.create(
            duty=duty, group=group, assignment_role_type="Förskollärare", start_date=cast.day - dt.timedelta(days=600)
        )
    return teacher
