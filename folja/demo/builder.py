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
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, models

from folja.core.dates import today
from folja.demo import names
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
    GroupMembership,
    GroupType,
    Guardianship,
    Organisation,
    OrganisationType,
    Person,
    PersonSisId,
    Phone,
    PhoneType,
    Placement,
    RelationType,
    SchoolType,
)

MIN_CHILDREN = 20
BATCH_SIZE = 2000
# Families per flush: bounds memory (a few tens of thousands of model objects at a time).
FAMILIES_PER_CHUNK = 4000
PERSONA_PREFIX = "demo-persona:"
CIVIC_SERIAL_FIRST = 900
CIVIC_SERIALS_PER_SEX = 50
NOTES = (
    "Exempelby kommun är påhittad, och alla personer i den likaså. Alla personnummer är fiktiva: "
    "födelsedatum + födelsenummer 900–999 + giltig kontrollsiffra, genererade och unika i demovärlden. "
    "Telefonnummer 070-174 06 05–99 (PTS nummerserie för fiktion), e-post på .example. "
    "All civic numbers are fictitious (birth date + individual number 900-999 + Luhn check digit)."
)

# Share of children per school type at scale; the rest is preschool.
SHARE_FKLASS = 0.15
SHARE_GR = 0.20
CHILDREN_PER_PRESCHOOL_GROUP = 16
CHILDREN_PER_CLASS = 22
CHILDREN_PER_PRESCHOOL_UNIT = 3000
CHILDREN_PER_SCHOOL = 7500
GR_GRADES = (1, 2, 3)


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


@dataclass
class _ChildSpec:
    school_type: str
    group: Group
    # For a child who moved to förskoleklass this autumn: the preschool group it left.
    former_group: Group | None = None
    grade: int = 0


@dataclass
class _Chunk:
    """Rows waiting to be written, in foreign-key order."""

    persons: list[Person] = field(default_factory=list)
    sis_ids: list[PersonSisId] = field(default_factory=list)
    emails: list[Email] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    duties: list[Duty] = field(default_factory=list)
    assignments: list[DutyAssignment] = field(default_factory=list)
    guardianships: list[Guardianship] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    memberships: list[GroupMembership] = field(default_factory=list)

    def flush(self) -> None:
        """Write all rows with bulk inserts; persons and duties first so their pks exist."""
        for rows in (
            self.persons,
            self.sis_ids,
            self.emails,
            self.phones,
            self.addresses,
            self.duties,
            self.assignments,
            self.guardianships,
            self.placements,
            self.memberships,
        ):
            _insert(rows)
            rows.clear()


def _insert(rows: list[models.Model]) -> None:
    """Insert the rows and set their primary keys: COPY on PostgreSQL, bulk_create elsewhere."""
    if not rows:
        return
    model = type(rows[0])
    if connection.vendor == "postgresql":
        _copy(model, rows)
        return
    model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    if rows[0].pk is None:  # pragma: no cover - only on databases that cannot return ids
        raise RuntimeError("the database did not return primary keys from bulk_create")


def _copy(model: type[models.Model], rows: list[models.Model]) -> None:
    """Write rows with COPY (several times faster than INSERT at this volume).

    COPY returns no ids, so the ids are drawn from the table's sequence first, in one query.
    """
    meta = model._meta
    fields = meta.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        for obj, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            obj.pk = pk
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        getters = [_copy_value(f) for f in fields]
        with cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in rows:
                copy.write_row([get(obj) for get in getters])
    for obj in rows:
        obj._state.adding = False
        obj._state.db = connection.alias


def _copy_value(field: models.Field):  # noqa: ANN202 - returns a getter
    """Return a function that reads the field's database value from an object about to be copied."""
    if field.is_relation:
        attname = field.attname

        def related(obj: models.Model) -> object:
            value = getattr(obj, attname)
            if value is None:
                # Assigned before the related row had its id (it has one now).
                target = field.get_cached_value(obj, None)
                value = target.pk if target is not None else None
                setattr(obj, attname, value)
            return value

        return related
    if isinstance(field, models.JSONField):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
    return lambda obj: field.pre_save(obj, True)


def school_year_start(day: dt.date) -> dt.date:
    """Return the start of the current school year: 15 August this year, or last year before it."""
    start = dt.date(day.year, 8, 15)
    return start if day >= start else dt.date(day.year - 1, 8, 15)


class _Builder:
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

    def household(self) -> tuple[str, str]:
        """Return a new street address and postal code."""
        self.house_counter += 1
        street = f"{self.rng.choice(names.STREETS)} {self.rng.randint(1, 120)}"
        return street, f"{self.rng.randint(990, 999)} {self.rng.randint(10, 99)}"

    def phone_number(self) -> str:
        self.phone_counter += 1
        return f"070-174 06 {5 + self.phone_counter % 95:02d}"

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
    ) -> Person:
        """Queue a person with SIS id, registered address and (for adults) e-mail and mobile."""
        civic_number, born = self.civic_number(born, male)
        person = Person(
            uuid=self.uuid(),
            given_name=given_name,
            family_name=family_name,
            civic_number=civic_number,
            birth_date=born,
            sex="Man" if male else "Kvinna",
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
    ) -> Person:
        male = self.rng.random() < 0.5 if male is None else male
        given = self.rng.choice(names.MAN_NAMES if male else names.WOMAN_NAMES)
        family = family_name or self.rng.choice(names.FAMILY_NAMES)
        return self.person(
            born=born,
            male=male,
            given_name=given,
            family_name=family,
            home=home or self.household(),
            email_type=email_type,
            persona=persona,
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

    def child_born(self, spec: _ChildSpec, *, settled: bool = False) -> dt.date:
        year = self.year_start.year
        if spec.school_type == SchoolType.FKLASS:
            # Förskoleklass starts the autumn of the year the child turns six.
            return self.born_between(dt.date(year - 6, 1, 1), dt.date(year - 6, 12, 31))
        if spec.school_type == SchoolType.GR:
            born_year = year - 6 - spec.grade
            return self.born_between(dt.date(born_year, 1, 1), dt.date(born_year, 12, 31))
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
    ) -> tuple[list[Person], list[Person]]:
        """Queue one family: children with placements, 1–2 guardians, optionally living apart.

        `known_guardian` is an existing person (a teacher) who becomes the first guardian.
        """
        guardian_keys = list(guardian_keys)
        family_name = self.rng.choice(names.FAMILY_NAMES)
        home = self.household()
        children: list[Person] = []
        child_keys = list(child_keys) + [None] * len(specs)
        for spec, key in zip(specs, child_keys, strict=False):
            male = self.rng.random() < 0.5
            child = self.person(
                born=self.child_born(spec, settled=bool(key) or any(guardian_keys)),
                male=male,
                given_name=self.rng.choice(names.BOY_NAMES if male else names.GIRL_NAMES),
                family_name=known_guardian.family_name if known_guardian else family_name,
                home=home,
                email_type=None,
                persona=key,
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
            own_name = index == 0 or self.rng.random() < 0.6
            adults.append(
                self.adult(
                    born=born,
                    email_type=EmailType.PRIVATE,
                    family_name=family_name if own_name else None,
                    persona=guardian_keys[index],
                    home=self.household() if (apart and index == 1) else home,
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
