"""Build the demo municipality from a seed: the same seed on the same day gives the same rows.

Everything random comes from one `random.Random(seed)`, drawn in a fixed order, including every
`uuid` and SIS id, so two builds made on the same day can be compared row by row. Dates are
relative to today (Europe/Stockholm), so the world is always current.

Fictitious data, on purpose recognisable as such:

- Civic numbers are YYYYMMDD + an individual number in 900–999 + a valid Luhn check digit. The
  individual numbers are handed out in order per birth date and sex (odd for men, even for
  women); when a day's 50 numbers are used up the person is born one day earlier. They are
  generated, not looked up anywhere, and unique within the world.
- Phone numbers come from 070-174 06 05 … 070-174 06 99, the range PTS sets aside for fiction.
- E-mail addresses end in `.example` (RFC 2606), the municipality code is 9999 (no such
  municipality) and school unit codes start with 99.

Persona tagging: each persona person has an extra PersonSisId row `demo-persona:<key>` in the
huvudman (next to its ordinary uuid SIS id). `personas.demo_personas()` finds them by that
prefix; the SIS import never produces such ids, so they cannot clash with real data.

Rows are written in chunks of families: with COPY on PostgreSQL (ids drawn from the sequence in
one query per table and chunk), with `bulk_create` elsewhere (ids come back from the insert on
SQLite ≥ 3.35), so no row is read back. The number of queries depends only
on the number of chunks and batches, never on a per-row loop.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field

from folja.core.dates import today
from folja.demo import names
from folja.demo.families import FamilySteps
from folja.demo.plan import (
    CHILDREN_PER_CLASS,
    CHILDREN_PER_PRESCHOOL_GROUP,
    CHILDREN_PER_PRESCHOOL_UNIT,
    CHILDREN_PER_SCHOOL,
    CIVIC_SERIAL_FIRST,
    CIVIC_SERIALS_PER_SEX,
    FAMILIES_PER_CHUNK,
    GR_GRADES,
    MIN_CHILDREN,
    PERSONA_PREFIX,
    SHARE_FKLASS,
    SHARE_GR,
)
from folja.demo.rows import _Chunk, _insert
from folja.directory import civic
from folja.directory.models import (
    Address,
    AddressType,
    AssignmentRoleType,
    Duty,
    DutyAssignment,
    DutyRole,
    Email,
    EmailType,
    Group,
    GroupType,
    Organisation,
    OrganisationType,
    Person,
    PersonSisId,
    Phone,
    PhoneType,
    SchoolType,
)


@dataclass
class World:
    """The demo municipality as built: the huvudman, its units and groups, and the persona persons.

    `personas` maps a persona key (see personas.PERSONA_KEYS) to its Person; the guardian who is
    also a teacher appears under two keys. Later demo steps (learning log posts) build on this.
    """

    seed: int
    children: int
    organisation: Organisation
    preschools: list[Organisation]
    schools: list[Organisation]
    groups: list[Group]
    personas: dict[str, Person] = field(default_factory=dict)
    # Staff person pks assigned to each group (by group pk), for authors of demo posts.
    group_staff: dict[int, list[int]] = field(default_factory=dict)

    @property
    def units(self) -> list[Organisation]:
        return [*self.preschools, *self.schools]


def school_year_start(day: dt.date) -> dt.date:
    """Return the start of the current school year: 15 August this year, or last year before it."""
    start = dt.date(day.year, 8, 15)
    return start if day >= start else dt.date(day.year - 1, 8, 15)


class _Builder(FamilySteps):
    def __init__(self, *, children: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n = children
        self.seed = seed
        self.today = today()
        self.year_start = school_year_start(self.today)
        self.serials: dict[tuple[dt.date, bool], int] = {}
        self.chunk = _Chunk()
        self.phone_counter = 0
        self.house_counter = 0

    # -- small random helpers ------------------------------------------------------------------

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def sis_id(self) -> str:
        return str(self.uuid())

    def born_between(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def civic_number(self, born: dt.date, male: bool) -> tuple[str, dt.date]:
        """Return a fictitious, unique civic number and the (possibly moved) birth date."""
        while True:
            used = self.serials.get((born, male), 0)
            if used < CIVIC_SERIALS_PER_SEX:
                self.serials[(born, male)] = used + 1
                serial = CIVIC_SERIAL_FIRST + 2 * used + (1 if male else 0)
                yymmdd = f"{born.year % 100:02d}{born.month:02d}{born.day:02d}"
                digit = civic.luhn_digit(f"{yymmdd}{serial:03d}")
                return f"{born.year:04d}{born.month:02d}{born.day:02d}{serial:03d}{digit}", born
            # The day's numbers are used up: born a day earlier (never later, so never in the future).
            born -= dt.timedelta(days=1)

    def temporary_number(self, born: dt.date) -> str:
        """Return a fictitious, unique temporary number (TF-nummer) for someone without a personnummer.

        The form SS 12000 describes (e.g. 20130101TF01): the birth date, TF and two digits, no
        check digit. Issued by the school register, so it is known to no e-ID.
        """
        used = self.serials.get((born, "TF"), 0)
        self.serials[(born, "TF")] = used + 1
        return f"{born:%Y%m%d}TF{90 + used:02d}"

    def household(self) -> tuple[str, str]:
        """Return a new street address and postal code."""
        self.house_counter += 1
        street = f"{self.rng.choice(names.STREETS)} {self.rng.randint(1, 120)}"
        return street, f"{self.rng.randint(990, 999)} {self.rng.randint(10, 99)}"

    def phone_number(self) -> str:
        """Return one of PTS's numbers for fiction (070-174 06 05 … 98); 99 is the newcomer's own."""
        self.phone_counter += 1
        return f"070-174 06 {5 + self.phone_counter % 94:02d}"

    # -- persons ---------------------------------------------------------------------------------

    def person(
        self,
        *,
        born: dt.date,
        male: bool,
        given_name: str,
        family_name: str,
        home: tuple[str, str],
        email_type: str | None,
        persona: str | None = None,
        temporary: bool = False,
        language: str = "",
    ) -> Person:
        """Queue a person with SIS id, registered address and (for adults) e-mail and mobile.

        `temporary`: newly arrived, with a temporary number from the school register instead of a
        personnummer (see `temporary_number`).
        """
        civic_number, born = (self.temporary_number(born), born) if temporary else self.civic_number(born, male)
        person = Person(
            uuid=self.uuid(),
            given_name=given_name,
            family_name=family_name,
            civic_number=civic_number,
            civic_number_kind=civic.kind_of(civic_number),
            birth_date=born,
            sex="Man" if male else "Kvinna",
            language=language,
        )
        chunk = self.chunk
        chunk.persons.append(person)
        chunk.sis_ids.append(PersonSisId(organisation=self.org, person=person, sis_id=self.sis_id()))
        if persona:
            self.tag(person, persona)
        chunk.addresses.append(
            Address(
                person=person,
                type=AddressType.REGISTERED,
                street_address=home[0],
                postal_code=home[1],
                locality=names.LOCALITY,
                municipality_code=names.MUNICIPALITY_CODE,
            )
        )
        if email_type is not None:
            self.contact(person, email_type)
        return person

    def contact(self, person: Person, email_type: str) -> None:
        domain = "exempelby.example" if email_type == EmailType.SCHOOL_STAFF else "hem.example"
        local = names.email_local_part(person.given_name, person.family_name)
        self.chunk.emails.append(
            Email(person=person, value=f"{local}{self.rng.randint(1, 999)}@{domain}", type=email_type)
        )
        self.chunk.phones.append(Phone(person=person, value=self.phone_number(), type=PhoneType.HOME, mobile=True))

    def tag(self, person: Person, persona: str) -> None:
        self.chunk.sis_ids.append(PersonSisId(organisation=self.org, person=person, sis_id=PERSONA_PREFIX + persona))

    def adult(
        self,
        *,
        born: dt.date,
        email_type: str,
        family_name: str | None = None,
        persona: str | None = None,
        home: tuple[str, str] | None = None,
        male: bool | None = None,
        temporary: bool = False,
        given_name: str | None = None,
        language: str = "",
    ) -> Person:
        male = self.rng.random() < 0.5 if male is None else male
        given = given_name or self.rng.choice(names.MAN_NAMES if male else names.WOMAN_NAMES)
        family = family_name or self.rng.choice(names.FAMILY_NAMES)
        return self.person(
            born=born,
            male=male,
            given_name=given,
            family_name=family,
            home=home or self.household(),
            email_type=email_type,
            persona=persona,
            temporary=temporary,
            language=language,
        )

    # -- organisation, units and groups ------------------------------------------------------------

    def build_organisation(self) -> None:
        self.org = Organisation(
            uuid=self.uuid(),
            sis_id=self.sis_id(),
            organisation_type=OrganisationType.HUVUDMAN,
            display_name=names.MUNICIPALITY_NAME,
            organisation_code="EXBY",
            organisation_number="2120009999",
            municipality_code=names.MUNICIPALITY_CODE,
            email="info@exempelby.example",
            phone_number="070-174 06 05",
            street_address="Stadshusgatan 1",
            postal_code="999 10",
            locality=names.LOCALITY,
            start_date=dt.date(1971, 1, 1),
            # Guardians without Swedish e-ID sign in by SMS code (the demo's console gateway prints
            # it) or with a printed code from the preschool (issue 28, docs/sign-in.md).
            guardian_sms_sign_in=True,
            guardian_enrolment_codes=True,
        )
        _insert([self.org])
        n_preschools = max(3, round(self.n / CHILDREN_PER_PRESCHOOL_UNIT))
        n_schools = max(1, round(self.n / CHILDREN_PER_SCHOOL))
        self.preschools = [self.unit(names.numbered(names.PRESCHOOL_NAMES, i), ["FS"], i) for i in range(n_preschools)]
        self.schools = [
            self.unit(names.numbered(names.SCHOOL_NAMES, i), ["FKLASS", "GR"], n_preschools + i)
            for i in range(n_schools)
        ]
        _insert([*self.preschools, *self.schools])
        self.build_groups()

    def unit(self, name: str, school_types: list[str], index: int) -> Organisation:
        street, postal_code = self.household()
        return Organisation(
            uuid=self.uuid(),
            organisation=self.org,
            parent=self.org,
            sis_id=self.sis_id(),
            organisation_type=OrganisationType.SKOLENHET,
            display_name=name,
            school_unit_code=f"99{index + 1:06d}",
            school_types=school_types,
            municipality_code=names.MUNICIPALITY_CODE,
            email=f"{names.email_local_part('info', name.split()[0])}@exempelby.example",
            phone_number=self.phone_number(),
            street_address=street,
            postal_code=postal_code,
            locality=names.LOCALITY,
            start_date=dt.date(1990 + index % 30, 8, 1),
        )

    def group(
        self, unit: Organisation, name: str, group_type: str, school_type: str, *, start: dt.date, hidden: bool = False
    ) -> Group:
        return Group(
            uuid=self.uuid(),
            organisation=self.org,
            sis_id=self.sis_id(),
            school_unit=unit,
            display_name=name,
            group_type=group_type,
            school_type=school_type,
            hidden_members=hidden,
            start_date=start,
        )

    def build_groups(self) -> None:
        n = self.n
        per_unit = max(
            2, round(n * (1 - SHARE_FKLASS - SHARE_GR) / CHILDREN_PER_PRESCHOOL_GROUP / len(self.preschools))
        )
        preschool_start = dt.date(self.year_start.year - 10, 8, 15)
        self.preschool_groups: list[list[Group]] = []
        for unit_index, unit in enumerate(self.preschools):
            groups = [
                self.group(
                    unit,
                    names.numbered(names.PRESCHOOL_GROUP_NAMES, i),
                    GroupType.DEPARTMENT,
                    SchoolType.FS,
                    start=preschool_start,
                    # R3 demo: the second group of every third preschool is a hidden-member group.
                    hidden=i == 1 and unit_index % 3 == 0,
                )
                for i in range(per_unit)
            ]
            self.preschool_groups.append(groups)
        per_school = len(self.schools)
        f_classes = max(1, round(n * SHARE_FKLASS / CHILDREN_PER_CLASS / per_school))
        gr_classes = max(1, round(n * SHARE_GR / len(GR_GRADES) / CHILDREN_PER_CLASS / per_school))
        self.fklass_groups: list[list[Group]] = []
        self.grade_groups: dict[int, list[list[Group]]] = {grade: [] for grade in GR_GRADES}
        for unit in self.schools:
            self.fklass_groups.append(
                [
                    self.group(
                        unit,
                        f"F-klass {names.class_letter(i)}",
                        GroupType.CLASS,
                        SchoolType.FKLASS,
                        start=self.year_start,
                    )
                    for i in range(f_classes)
                ]
            )
            for grade in GR_GRADES:
                self.grade_groups[grade].append(
                    [
                        self.group(
                            unit,
                            f"{grade}{names.class_letter(i)}",
                            GroupType.CLASS,
                            SchoolType.GR,
                            start=self.year_start,
                        )
                        for i in range(gr_classes)
                    ]
                )
        self.all_groups = [
            *(g for groups in self.preschool_groups for g in groups),
            *(g for groups in self.fklass_groups for g in groups),
            *(g for grade in GR_GRADES for groups in self.grade_groups[grade] for g in groups),
        ]
        _insert(self.all_groups)
        # Round-robin over units first, so every unit fills at the same pace.
        self.cycle_fs = _RoundRobin(self.preschool_groups)
        self.cycle_fs_former = _RoundRobin(self.preschool_groups)
        self.cycle_fklass = _RoundRobin(self.fklass_groups)
        self.cycle_grade = {grade: _RoundRobin(self.grade_groups[grade]) for grade in GR_GRADES}

    # -- staff -------------------------------------------------------------------------------------

    def duty(self, person: Person, unit: Organisation, role: str, *, start: dt.date) -> Duty:
        duty = Duty(
            uuid=self.uuid(),
            organisation=self.org,
            sis_id=self.sis_id(),
            person=person,
            school_unit=unit,
            duty_role=role,
            signature=f"{person.given_name[:2]}{person.family_name[:2]}".upper(),
            start_date=start,
        )
        self.chunk.duties.append(duty)
        return duty

    def assign(self, duty: Duty, group: Group, role_type: str) -> None:
        self.chunk.assignments.append(
            DutyAssignment(
                duty=duty,
                group=group,
                assignment_role_type=role_type,
                start_date=max(duty.start_date, group.start_date),
            )
        )
        self.group_staff.setdefault(group.pk, []).append(duty.person)

    def staff_member(self, unit: Organisation, role: str, *, persona: str | None = None) -> tuple[Person, Duty]:
        person = self.adult(
            born=self.born_between(self.years_ago(64), self.years_ago(22)),
            email_type=EmailType.SCHOOL_STAFF,
            persona=persona,
        )
        years = self.rng.randint(0, 12)
        start = dt.date(self.year_start.year - years, 8, 1)
        return person, self.duty(person, unit, role, start=start)

    def years_ago(self, years: int) -> dt.date:
        day = self.today
        try:
            return day.replace(year=day.year - years)
        except ValueError:  # 29 February
            return day.replace(year=day.year - years, day=28)

    def build_staff(self) -> None:
        self.group_staff: dict[int, list[Person]] = {}
        personas = self.personas
        for unit_index, unit in enumerate(self.preschools):
            principal, _ = self.staff_member(unit, DutyRole.PRINCIPAL, persona="principal" if unit_index == 0 else None)
            if unit_index == 0:
                personas["principal"] = principal
            for group_index, group in enumerate(self.preschool_groups[unit_index]):
                key = None
                if (unit_index, group_index) == (0, 0):
                    key = "preschool_teacher"
                elif (unit_index, group_index) == (1, 0):
                    key = "teacher_guardian"
                teacher, duty = self.staff_member(unit, DutyRole.PRESCHOOL_TEACHER, persona=key)
                self.assign(duty, group, AssignmentRoleType.PRESCHOOL_TEACHER)
                if key:
                    personas[key] = teacher
                key = None
                if (unit_index, group_index) == (0, 0):
                    key = "two_units"
                elif group.hidden_members and unit_index == 0:
                    key = "child_minder_hidden"
                minder, duty = self.staff_member(unit, DutyRole.CHILD_MINDER, persona=key)
                self.assign(duty, group, AssignmentRoleType.CHILD_MINDER)
                if key:
                    personas[key] = minder
            self.flush_if_large()
        # The person who works at two units: a second duty, in the first group of the second preschool.
        second_unit = self.preschools[1]
        second_duty = self.duty(personas["two_units"], second_unit, DutyRole.CHILD_MINDER, start=self.year_start)
        self.assign(second_duty, self.preschool_groups[1][0], AssignmentRoleType.CHILD_MINDER)
        for school_index, unit in enumerate(self.schools):
            self.staff_member(unit, DutyRole.PRINCIPAL)
            school_groups = [
                *self.fklass_groups[school_index],
                *(g for grade in GR_GRADES for g in self.grade_groups[grade][school_index]),
            ]
            for group in school_groups:
                key = "fklass_teacher" if group is self.fklass_groups[0][0] else None
                teacher, duty = self.staff_member(unit, DutyRole.TEACHER, persona=key)
                self.assign(duty, group, AssignmentRoleType.MENTOR)
                if key:
                    personas[key] = teacher
            self.flush_if_large()
        self.flush()

    # -- families ------------------------------------------------------------------------------------

    def flush_if_large(self) -> None:
        if len(self.chunk.persons) >= FAMILIES_PER_CHUNK * 2:
            self.flush()

    def flush(self) -> None:
        self.chunk.flush()

    def build(self) -> World:
        self.personas: dict[str, Person] = {}
        self.build_organisation()
        self.build_staff()
        self.build_families()
        return World(
            seed=self.seed,
            children=self.n,
            organisation=self.org,
            preschools=self.preschools,
            schools=self.schools,
            groups=self.all_groups,
            personas=self.personas,
            group_staff={group_pk: [p.pk for p in persons] for group_pk, persons in self.group_staff.items()},
        )


class _RoundRobin:
    """Hand out groups unit by unit: unit 1 group 1, unit 2 group 1, …, unit 1 group 2, …"""

    def __init__(self, groups_per_unit: list[list[Group]]) -> None:
        width = max(len(groups) for groups in groups_per_unit)
        self.order = [groups[i] for i in range(width) for groups in groups_per_unit if i < len(groups)]
        self.position = 0

    def next(self) -> Group:
        group = self.order[self.position % len(self.order)]
        self.position += 1
        return group


def build_world(*, children: int, seed: int) -> World:
    """Build the demo municipality with about `children` children; call inside a transaction."""
    if children < MIN_CHILDREN:
        raise ValueError(f"the demo world needs at least {MIN_CHILDREN} children")
    return _Builder(children=children, seed=seed).build()
