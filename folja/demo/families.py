"""The demo world's families (folja.demo.builder): children with their placements and group
memberships, guardians in one or two households, and the curated families behind the personas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from folja.demo import names
from folja.demo.plan import FAMILIES_PER_CHUNK, GR_GRADES, PERSONA_PREFIX, SHARE_FKLASS, SHARE_GR
from folja.directory.models import (
    EmailType,
    Group,
    GroupMembership,
    Guardianship,
    Person,
    Phone,
    PhoneType,
    Placement,
    RelationType,
    SchoolType,
)

# The newly arrived guardian's mobile (PTS's range for fiction; no one else in the world has it).
NEWCOMER_MOBILE = "070-174 06 99"


@dataclass
class _Named:
    """A family's own names (given name, male) and the language its guardians read Följa in."""

    family_name: str
    children: list[tuple[str, bool]]
    adults: list[tuple[str, bool]]
    language: str


# Guardians who read Följa in their own language (issue 32): Arabic, right to left, and Ukrainian.
ARABIC_FAMILY = _Named("Haddad", [("Yasmin", False)], [("Rania", False), ("Omar", True)], "ar")
UKRAINIAN_FAMILY = _Named("Kovalenko", [("Sofija", False)], [("Olena", False), ("Andrij", True)], "uk")


@dataclass
class _ChildSpec:
    school_type: str
    group: Group
    # For a child who moved to förskoleklass this autumn: the preschool group it left.
    former_group: Group | None = None
    grade: int = 0
    # For a preschool child who starts förskoleklass next autumn: the class, known from the SIS.
    planned_group: Group | None = None


class FamilySteps:
    """Mixed into the builder: the steps that make children, their placements and their families."""

    def child_born(self, spec: _ChildSpec, *, settled: bool = False) -> dt.date:
        year = self.year_start.year
        if spec.school_type == SchoolType.FKLASS:
            # Förskoleklass starts the autumn of the year the child turns six.
            return self.born_between(dt.date(year - 6, 1, 1), dt.date(year - 6, 12, 31))
        if spec.school_type == SchoolType.GR:
            born_year = year - 6 - spec.grade
            return self.born_between(dt.date(born_year, 1, 1), dt.date(born_year, 12, 31))
        if spec.planned_group is not None:
            # Turns six next year: förskoleklass from next autumn.
            return self.born_between(dt.date(year - 5, 1, 1), dt.date(year - 5, 12, 31))
        # Preschool: from one year old until the autumn of the year they turn six. A persona's child
        # is three or older, so it has been at the preschool long enough to have a learning log.
        return self.born_between(dt.date(year - 5, 1, 1), self.years_ago(3 if settled else 1))

    def random_child_spec(self) -> _ChildSpec:
        draw = self.rng.random()
        if draw < SHARE_FKLASS:
            return _ChildSpec(SchoolType.FKLASS, self.cycle_fklass.next(), former_group=self.cycle_fs_former.next())
        if draw < SHARE_FKLASS + SHARE_GR:
            grade = self.rng.choice(GR_GRADES)
            return _ChildSpec(SchoolType.GR, self.cycle_grade[grade].next(), grade=grade)
        return _ChildSpec(SchoolType.FS, self.cycle_fs.next())

    def place(self, child: Person, spec: _ChildSpec) -> None:
        """Queue the child's placements and the matching group memberships."""
        unit = spec.group.school_unit
        chunk = self.chunk
        born = child.birth_date
        assert born is not None
        if spec.school_type == SchoolType.FS:
            latest = (self.today - born).days - 365
            start = born + dt.timedelta(days=365 + self.rng.randint(0, max(0, min(200, latest))))
            start = min(start, self.today)
            if spec.planned_group is not None:
                # A move the SIS already reports: preschool until 30 June, förskoleklass from the
                # next school year (the guardians' preview shows what that school would see).
                self.placement(
                    child, spec.group, SchoolType.FS, start=start, end=dt.date(self.year_start.year + 1, 6, 30)
                )
                next_year = dt.date(self.year_start.year + 1, self.year_start.month, self.year_start.day)
                self.placement(child, spec.planned_group, SchoolType.FKLASS, start=next_year, end=None)
                return
            self.placement(child, spec.group, SchoolType.FS, start=start, end=None)
            return
        if spec.school_type == SchoolType.FKLASS:
            # Moved from preschool this summer: the preschool placement ended on 30 June.
            assert spec.former_group is not None
            left = dt.date(self.year_start.year, 6, 30)
            started = born + dt.timedelta(days=365 + self.rng.randint(0, 200))
            self.placement(child, spec.former_group, SchoolType.FS, start=started, end=left)
            self.placement(child, spec.group, SchoolType.FKLASS, start=self.year_start, end=None)
            return
        first_day = dt.date(self.year_start.year - spec.grade, 8, 15)
        chunk.placements.append(
            Placement(
                uuid=self.uuid(),
                organisation=self.org,
                sis_id=self.sis_id(),
                child=child,
                school_unit=unit,
                group=spec.group,
                school_type=SchoolType.GR,
                start_date=first_day,
            )
        )
        chunk.memberships.append(
            GroupMembership(organisation=self.org, group=spec.group, person=child, start_date=self.year_start)
        )

    def placement(self, child: Person, group: Group, school_type: str, *, start: dt.date, end: dt.date | None) -> None:
        self.chunk.placements.append(
            Placement(
                uuid=self.uuid(),
                organisation=self.org,
                sis_id=self.sis_id(),
                child=child,
                school_unit=group.school_unit,
                group=group,
                school_type=school_type,
                start_date=start,
                end_date=end,
            )
        )
        self.chunk.memberships.append(
            GroupMembership(organisation=self.org, group=group, person=child, start_date=start, end_date=end)
        )

    def family(
        self,
        specs: list[_ChildSpec],
        *,
        guardians: int,
        apart: bool = False,
        other_responsible: bool = False,
        known_guardian: Person | None = None,
        child_keys: Iterable[str | None] = (),
        guardian_keys: Iterable[str | None] = (),
        namesake: Person | None = None,
        newly_arrived: bool = False,
        named: _Named | None = None,
    ) -> tuple[list[Person], list[Person]]:
        """Queue one family: children with placements, 1–2 guardians, optionally living apart.

        `known_guardian` is an existing person (a teacher) who becomes the first guardian.
        `namesake` is a child whose full name the (one) child gets, born on another day.
        `newly_arrived`: the children and the first guardian have temporary numbers (TF) from the
        school register, no personnummer yet; the guardian has no e-ID, so cannot sign in.
        `named`: a family with its own names whose guardians read Följa in their own language.
        """
        guardian_keys = list(guardian_keys)
        family_name = self.rng.choice(names.FAMILY_NAMES)
        if named is not None:
            family_name = named.family_name
        if namesake is not None:
            family_name = namesake.family_name
        home = self.household()
        children: list[Person] = []
        child_keys = list(child_keys) + [None] * len(specs)
        for spec, key in zip(specs, child_keys, strict=False):
            male = self.rng.random() < 0.5
            given_name = self.rng.choice(names.BOY_NAMES if male else names.GIRL_NAMES)
            if named is not None:
                given_name, male = named.children[len(children)]
            born = self.child_born(spec, settled=bool(key) or any(guardian_keys))
            if namesake is not None:
                # Same name, same group, another birth date: the labels tell them apart by it.
                given_name, male = namesake.given_name, namesake.sex == "Man"
                born = namesake.birth_date + dt.timedelta(days=-100 if namesake.birth_date.month > 6 else 100)
            child = self.person(
                born=born,
                male=male,
                given_name=given_name,
                family_name=known_guardian.family_name if known_guardian else family_name,
                home=home,
                email_type=None,
                persona=key,
                temporary=newly_arrived,
            )
            self.place(child, spec)
            children.append(child)
        oldest = min(c.birth_date for c in children if c.birth_date)
        guardian_keys = list(guardian_keys) + [None] * guardians
        adults: list[Person] = []
        for index in range(guardians):
            if index == 0 and known_guardian is not None:
                adults.append(known_guardian)
                # A teacher as a parent: private e-mail and phone next to the work ones.
                self.contact(known_guardian, EmailType.PRIVATE)
                continue
            born = oldest - dt.timedelta(days=self.rng.randint(20 * 365, 45 * 365))
            own_name = index == 0 or self.rng.random() < 0.6 or named is not None
            given, male = named.adults[index] if named is not None else (None, None)
            adults.append(
                self.adult(
                    born=born,
                    email_type=EmailType.PRIVATE,
                    family_name=family_name if own_name else None,
                    persona=guardian_keys[index],
                    home=self.household() if (apart and index == 1) else home,
                    temporary=newly_arrived and index == 0,
                    given_name=given,
                    male=male,
                    language=named.language if named is not None else "",
                )
            )
        for child in children:
            for adult in adults:
                self.chunk.guardianships.append(
                    Guardianship(
                        uuid=self.uuid(),
                        organisation=self.org,
                        child=child,
                        responsible=adult,
                        relation_type=RelationType.GUARDIAN,
                    )
                )
        if other_responsible:
            # Stored as SIS sends it; "Annan ansvarig" gives no rights in Följa.
            other = self.adult(
                born=oldest - dt.timedelta(days=self.rng.randint(45 * 365, 70 * 365)), email_type=EmailType.PRIVATE
            )
            for child in children:
                self.chunk.guardianships.append(
                    Guardianship(
                        uuid=self.uuid(),
                        organisation=self.org,
                        child=child,
                        responsible=other,
                        relation_type=RelationType.OTHER_RESPONSIBLE,
                    )
                )
        return children, adults

    def build_families(self) -> None:
        personas = self.personas
        fs0, fs1 = self.preschool_groups[0], self.preschool_groups[1]
        hidden = next(g for g in fs0 if g.hidden_members)
        fklass_a = self.fklass_groups[0][0]
        first_grade = self.grade_groups[1][0][0]
        # Curated families first, so every persona exists at any size of world.
        curated = [
            self.family([_ChildSpec(SchoolType.FS, fs0[0])], guardians=1, guardian_keys=["guardian_one_child"]),
            self.family(
                [_ChildSpec(SchoolType.FS, fs0[0])],
                guardians=2,
                apart=True,
                other_responsible=True,
                guardian_keys=["guardian_household_a", "guardian_household_b"],
            ),
            self.family([_ChildSpec(SchoolType.FS, hidden)], guardians=2, guardian_keys=["guardian_hidden_group"]),
            self.family(
                [_ChildSpec(SchoolType.FS, fs1[0]), _ChildSpec(SchoolType.GR, first_grade, grade=1)],
                guardians=2,
                child_keys=[None, "pupil"],
                guardian_keys=["guardian_siblings"],
            ),
            self.family(
                [_ChildSpec(SchoolType.FKLASS, fklass_a, former_group=fs0[0])],
                guardians=2,
                guardian_keys=["guardian_moved_child"],
            ),
        ]
        # Two children with the same full name in one group, on purpose (issue 25, point 4): staff
        # must tell them apart wherever they choose a child (directory/labels.py).
        curated.append(self.family([_ChildSpec(SchoolType.FS, fs0[0])], guardians=2, namesake=curated[1][0][0]))
        # A preschool child whose move to förskoleklass next autumn is already known (issue 25, point 1).
        curated.append(self.family([_ChildSpec(SchoolType.FS, fs0[0], planned_group=fklass_a)], guardians=2))
        # A newly arrived family (issue 28): the child and the first guardian have temporary numbers
        # (TF) from the school register; the guardian has no e-ID, so cannot sign in with one.
        # They sign in by a code sent by SMS to the mobile number only they have (NEWCOMER_MOBILE).
        _kids, newcomers = self.family(
            [_ChildSpec(SchoolType.FS, fs0[0])],
            guardians=2,
            newly_arrived=True,
            guardian_keys=["guardian_without_e_id"],
        )
        self.chunk.phones.append(Phone(person=newcomers[0], value=NEWCOMER_MOBILE, type=PhoneType.HOME, mobile=True))
        curated.append((_kids, newcomers))
        # Guardians who read Följa in Arabic and in Ukrainian, their children in the first group (issue 32).
        for named, key in ((ARABIC_FAMILY, "guardian_arabic"), (UKRAINIAN_FAMILY, "guardian_ukrainian")):
            curated.append(
                self.family([_ChildSpec(SchoolType.FS, fs0[0])], guardians=2, guardian_keys=[key], named=named)
            )
        # The guardian who is also a teacher: Förskollärare at the second preschool, child at the first.
        teacher = personas["teacher_guardian"]
        self.tag(teacher, "guardian_teacher")
        personas["guardian_teacher"] = teacher
        curated.append(self.family([_ChildSpec(SchoolType.FS, fs0[0])], guardians=2, known_guardian=teacher))
        for sis in self.chunk.sis_ids:
            if sis.sis_id.startswith(PERSONA_PREFIX):
                personas.setdefault(sis.sis_id.removeprefix(PERSONA_PREFIX), sis.person)
        remaining = self.n - sum(len(children) for children, _ in curated)
        families = 0
        while remaining > 0:
            draw = self.rng.random()
            size = 1 if draw < 0.78 else 2 if draw < 0.96 else 3
            size = min(size, remaining)
            specs = [self.random_child_spec() for _ in range(size)]
            two = self.rng.random() < 0.87
            self.family(
                specs,
                guardians=2 if two else 1,
                apart=two and self.rng.random() < 0.25,
                other_responsible=self.rng.random() < 0.003,
            )
            remaining -= size
            families += 1
            if families % FAMILIES_PER_CHUNK == 0:
                self.flush()
        self.flush()
