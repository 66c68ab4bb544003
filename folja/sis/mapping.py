"""Map SS 12000 JSON entities to compact staged records, tolerantly and failing closed.

Nothing here touches the database. Each `stage_*` function returns a small named tuple, or
None when the entity cannot be used (counted as a warning code, never logged with its values).
A field that is absent means "not provided" (None), which the apply step leaves unchanged;
an empty list means "provided and empty".
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import sys
from collections import Counter
from typing import Any, NamedTuple

import orjson

from folja.directory import civic
from folja.directory.models import (
    AddressType,
    AssignmentRoleType,
    DutyRole,
    EmailType,
    GroupType,
    OrganisationType,
    PersonStatus,
    PhoneType,
    RelationType,
    SchoolType,
)

logger = logging.getLogger(__name__)

# R5: the only value that lets a person in. Anything else, absent or unknown included, keeps them out.
MARKING_NONE = "Ingen"
KNOWN_MARKINGS = frozenset({"Ingen", "Sekretessmarkering", "Skyddad folkbokföring"})
SEX_VALUES = frozenset({"Man", "Kvinna", "Okänt"})
_SEX = {sys.intern(value): sys.intern(value) for value in SEX_VALUES}


# At most this many SIS ids are kept per warning code for the report (the count is always exact).
RECORDS_PER_CODE = 100


class Warnings(Counter):
    """Count warning codes (field names and kinds only, never values) and log each code once.

    Some warnings need the record found so that someone can correct it in the SIS: `add_record`
    also keeps the record's SIS id (an identifier of the SIS, never a value such as a civic
    number) in `records`, for the run's report.
    """

    def add(self, code: str) -> None:
        """Count one occurrence of a warning code; log its first occurrence."""
        if code not in self:
            logger.warning("SIS import warning: %s", code)
        self[code] += 1

    def add_record(self, code: str, sis_id: str) -> None:
        """Count a warning and keep the SIS id of the record it is about (the first RECORDS_PER_CODE)."""
        self.add(code)
        records = self.__dict__.setdefault("records", {})
        ids = records.setdefault(code, [])
        if len(ids) < RECORDS_PER_CODE and sis_id not in ids:
            ids.append(sis_id)

    @property
    def records(self) -> dict[str, list[str]]:
        """Warning code -> SIS ids of the records it is about, for the codes that keep them."""
        return self.__dict__.get("records", {})


class StagedOrganisation(NamedTuple):
    sis_id: str
    organisation_type: str
    parent_sis_id: str | None
    fields: tuple  # compared and written as a whole; see ORGANISATION_FIELDS


ORGANISATION_FIELDS = (
    "display_name",
    "organisation_code",
    "organisation_number",
    "school_unit_code",
    "school_types",
    "municipality_code",
    "email",
    "phone_number",
    "street_address",
    "postal_code",
    "locality",
    "start_date",
    "end_date",
)


class PersonRef(NamedTuple):
    sis_id: str
    marking: str | None  # the reference's own securityMarking, when the SIS gives one


class StagedPerson(NamedTuple):
    sis_id: str
    marking: str | None
    fields: tuple | None  # PERSON_FIELDS, None when the person cannot be imported
    emails: tuple | None
    phones: tuple | None
    addresses: tuple | None
    responsibles: tuple | None  # ((SIS id, relation_type), ...); the references' markings go to `refs`
    civic_number: str | None = None  # kept for protected persons too, only to find and seal them


PERSON_FIELDS = (
    "given_name",
    "middle_name",
    "family_name",
    "civic_number",
    "birth_date",
    "sex",
    "security_marking",
    "status",
    "civic_number_kind",
)


class StagedGroup(NamedTuple):
    sis_id: str
    unit_sis_id: str
    fields: tuple  # (display_name, group_type, school_type, start_date, end_date)
    memberships: tuple | None  # ((PersonRef, start_date|None, end_date|None), ...)


class StagedPlacement(NamedTuple):
    sis_id: str
    child: PersonRef
    unit_sis_id: str
    group_sis_id: str | None
    school_type: str
    start_date: dt.date
    end_date: dt.date | None


class StagedDuty(NamedTuple):
    sis_id: str
    person: PersonRef
    unit_sis_id: str
    duty_role: str
    signature: str
    start_date: dt.date
    end_date: dt.date | None
    assignments: tuple | None  # ((group_sis_id, role_type, start|None, end|None), ...)


def _str(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


@functools.lru_cache(maxsize=8192)
def _parse_date(value: str) -> dt.date | None:
    # Cached: a municipality's rows share a few hundred distinct dates, so this saves time and memory.
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _date(value: Any, code: str, warnings: Warnings) -> dt.date | None:
    if not isinstance(value, str):
        return None
    parsed = _parse_date(value)
    if parsed is None:
        warnings.add(f"invalid_date:{code}")
    return parsed


@functools.cache
def _values(choices: type) -> frozenset[str]:
    # TextChoices.values rebuilds a list on every access; this runs per field of 400,000 persons.
    return frozenset(choices.values)


def _enum(value: Any, allowed: frozenset[str] | type, code: str, warnings: Warnings, limit: int) -> str:
    """Return the value as given when it fits the column; unknown values are counted, not fatal."""
    if value is None:
        return ""
    if not isinstance(allowed, frozenset):
        canonical = _canonical(allowed).get(value) if isinstance(value, str) else None
        if canonical is not None:
            return canonical
    known = allowed if isinstance(allowed, frozenset) else _values(allowed)
    if not isinstance(value, str) or len(value) > limit:
        warnings.add(f"unusable_enum:{code}")
        return ""
    if value not in known:
        warnings.add(f"unknown_enum:{code}")
    # Interned: JSON decoding makes a new string per occurrence, and 400,000 persons repeat these.
    return sys.intern(value)


def _ref_id(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return sys.intern(value["id"])  # one string per SIS id, however often it is referenced
    return None


def person_ref(value: Any) -> PersonRef | None:
    """Return a reference to a person with the marking the reference itself carries, if any."""
    if not isinstance(value, dict):
        return None
    ref_id = value.get("id")
    if not isinstance(ref_id, str):
        return None
    marking = value.get("securityMarking")
    if not isinstance(marking, str):
        return PersonRef(sys.intern(ref_id), None)
    return PersonRef(sys.intern(ref_id), MARKING_NONE if marking == MARKING_NONE else sys.intern(marking))


def stage_organisation(item: dict[str, Any], warnings: Warnings) -> StagedOrganisation | None:
    """Return the staged organisation, or None when it lacks what Följa needs."""
    org_type = item.get("organisationType")
    if org_type not in OrganisationType.values:
        warnings.add("unknown_enum:Organisation.organisationType" if org_type else "missing:Organisation.type")
        if not isinstance(org_type, str):
            return None
        org_type = OrganisationType.OVRIGT
    name = _str(item.get("displayName"), 200)
    if not name:
        warnings.add("missing:Organisation.displayName")
        return None
    address = item.get("address") if isinstance(item.get("address"), dict) else {}
    school_types = item.get("schoolTypes") if isinstance(item.get("schoolTypes"), list) else []
    for school_type in school_types:
        _enum(school_type, frozenset(SchoolType.values), "Organisation.schoolTypes", warnings, 16)
    return StagedOrganisation(
        sis_id=item["id"],
        organisation_type=org_type,
        parent_sis_id=_ref_id(item.get("parentOrganisation")),
        fields=(
            name,
            _str(item.get("organisationCode"), 64),
            _str(item.get("organisationNumber"), 16),
            _str(item.get("schoolUnitCode"), 16),
            sorted(s for s in school_types if isinstance(s, str)),
            _str(item.get("municipalityCode"), 4),
            _str(item.get("email"), 254),
            _str(item.get("phoneNumber"), 32),
            _str(address.get("streetAddress"), 200),
            _str(address.get("postalCode"), 16),
            _str(address.get("locality"), 100),
            _date(item.get("startDate"), "Organisation.startDate", warnings),
            _date(item.get("endDate"), "Organisation.endDate", warnings),
        ),
    )


def marking_allows_import(marking: str | None) -> bool:
    """Return whether a security marking lets a person into Följa (R5: only an explicit "Ingen")."""
    return marking == MARKING_NONE


_DOUBLED = str.maketrans("0123456789", "0246813579")  # digit sum of 2 × d, for the Luhn check


@functools.lru_cache(maxsize=65536)
def _civic_date(yyyymmdd: str) -> dt.date | None:
    # Cached: 400,000 persons share a few thousand birth dates.
    day = int(yyyymmdd[6:8])
    try:
        return dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), day - 60 if day > 60 else day)
    except ValueError:
        return None


def normalise_civic(value: str, today: dt.date) -> tuple[str, str]:
    """Return `civic.parse(value)` (number, kind), with a fast path for the usual 12-digit form.

    The fast path gives the same result and raises the same error; every other form (dashes,
    ten digits, plus sign, spaces, letters, reserve numbers) goes through `civic.parse` itself.
    """
    if len(value) == 12 and value.isascii() and value.isdigit() and value[:2] in ("19", "20"):
        born = _civic_date(value[:8])
        if born is not None and born <= today:
            total = sum(map(int, value[2:11:2].translate(_DOUBLED) + value[3:11:2]))
            if (10 - total % 10) % 10 == int(value[11]):
                return value, civic.SAMORDNINGSNUMMER if value[6] in "6789" else civic.PERSONNUMMER
            raise civic.InvalidCivicNumber()
    return civic.parse(value, today=today)


@functools.cache
def _canonical(choices: type) -> dict[str, str]:
    # value -> the interned value, for the known values of an enum (the fast path of _enum).
    return {sys.intern(value): sys.intern(value) for value in _values(choices)}


def stage_responsibles(entries: Any, warnings: Warnings, refs: list[PersonRef] | None = None) -> tuple | None:
    """Return a person's `responsibles` as ((SIS id, relation_type), ...), None when not given.

    Every reference read is also appended to `refs` when given, those of entries left out for a
    missing relation type included (R5 counts the marking of every reference).
    """
    if not isinstance(entries, list):
        return None
    staged = []
    relations = _canonical(RelationType)
    for entry in entries:
        ref = person_ref(entry.get("person")) if isinstance(entry, dict) else None
        if ref is None:
            warnings.add("missing:Person.responsibles.person")
            continue
        if refs is not None:
            refs.append(ref)
        relation = entry.get("relationType")
        relation = relations.get(relation) if isinstance(relation, str) else None
        if relation is None:
            relation = _enum(entry.get("relationType"), RelationType, "Person.responsibles.relationType", warnings, 32)
        if not relation:
            warnings.add("missing:Person.responsibles.relationType")
            continue
        staged.append((ref.sis_id, relation))
    return tuple(staged)


def stage_person(
    item: dict[str, Any], warnings: Warnings, today: dt.date, refs: list[PersonRef] | None = None
) -> StagedPerson:
    """Return the staged person; `fields` is None when the person must not or cannot be imported.

    Every reference in `responsibles` is also appended to `refs` when given (see stage_responsibles).
    """
    get = item.get
    marking = get("securityMarking")
    if isinstance(marking, str):
        marking = MARKING_NONE if marking == MARKING_NONE else sys.intern(marking)
        if marking not in KNOWN_MARKINGS:
            warnings.add("unknown_enum:Person.securityMarking")
    else:
        marking = None
        warnings.add("missing:Person.securityMarking")
    responsibles = stage_responsibles(get("responsibles"), warnings, refs)
    sis_id = item["id"]
    if marking != MARKING_NONE:  # R5: only an explicit "Ingen" lets a person in
        return StagedPerson(sis_id, marking, None, None, None, None, responsibles, _civic_or_none(item, today))

    given, family = _str(get("givenName"), 100), _str(get("familyName"), 100)
    if not given or not family:
        warnings.add("missing:Person.name")
        return StagedPerson(sis_id, marking, None, None, None, None, responsibles)
    civic_number, kind = None, ""
    civic_no = get("civicNo")
    if isinstance(civic_no, dict) and isinstance(civic_no.get("value"), str) and civic_no["value"].strip():
        nationality = civic_no.get("nationality", "SE")
        if nationality in (None, "SE"):
            try:
                civic_number, kind = normalise_civic(civic_no["value"], today)
            except civic.InvalidCivicNumber:
                # Imported without it, and reported by SIS id (never the value) for the SIS to correct.
                warnings.add_record("invalid_civic_number", sis_id)
        else:
            warnings.add("foreign_civic_number_ignored")
    birth_date = _date(get("birthDate"), "Person.birthDate", warnings)
    if birth_date is None and civic_number:
        birth_date = civic.birth_date(civic_number)
    sex = get("sex")
    if sex is not None:
        sex = _SEX.get(sex) if isinstance(sex, str) else None
        sex = sex or _enum(get("sex"), SEX_VALUES, "Person.sex", warnings, 8)
    else:
        sex = ""
    status = get("personStatus")
    if status:
        status = _canonical(PersonStatus).get(status) if isinstance(status, str) else None
        status = status or _enum(get("personStatus"), PersonStatus, "Person.personStatus", warnings, 16)

    emails = phones = addresses = None
    values = get("emails")
    if isinstance(values, list):
        emails = tuple(
            sorted(
                (_str(e.get("value"), 254), _enum(e.get("type"), EmailType, "Person.emails.type", warnings, 32))
                for e in values
                if isinstance(e, dict) and _str(e.get("value"), 254)
            )
        )
    values = get("phoneNumbers")
    if isinstance(values, list):
        phones = tuple(
            sorted(
                (
                    _str(p.get("value"), 32),
                    _enum(p.get("type"), PhoneType, "Person.phoneNumbers.type", warnings, 16),
                    p.get("mobile") is not False,
                )
                for p in values
                if isinstance(p, dict) and _str(p.get("value"), 32)
            )
        )
    values = get("addresses")
    if isinstance(values, list):
        staged_addresses = []
        for a in values:
            if not isinstance(a, dict) or not _str(a.get("streetAddress"), 200):
                continue
            municipality = a.get("municipalityCode")
            staged_addresses.append(
                (
                    _enum(a.get("type") or AddressType.REGISTERED, AddressType, "Person.addresses.type", warnings, 32),
                    _str(a.get("streetAddress"), 200),
                    _str(a.get("postalCode"), 16),
                    _str(a.get("locality"), 100),
                    _str(a.get("country"), 64) or "Sverige",
                    str(municipality)[:4] if isinstance(municipality, int | str) else "",
                )
            )
        addresses = tuple(sorted(staged_addresses))
    fields = (
        given,
        _str(get("middleName"), 100),
        family,
        civic_number,
        birth_date,
        sex,
        MARKING_NONE,
        status or PersonStatus.ACTIVE,
        kind,
    )
    return StagedPerson(sis_id, marking, fields, emails, phones, addresses, responsibles, civic_number)


def person_digest(staged: StagedPerson) -> int:
    """Return a stable 64-bit digest of what the import writes for a person: fields and contacts.

    Stored with the person (`Person.sis_digest`) when written, so that a re-run can tell an
    unchanged record without reading the person's rows back. Stable across processes (unlike
    hash()): the staged values are plain strings, dates, booleans and None in fixed positions.
    """
    data = orjson.dumps((staged.fields, staged.emails, staged.phones, staged.addresses))
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


def _civic_or_none(item: dict[str, Any], today: dt.date) -> str | None:
    civic_no = item.get("civicNo")
    if not isinstance(civic_no, dict) or not isinstance(civic_no.get("value"), str):
        return None
    try:  # any form: a protected record's temporary number protects whoever carries it too (R5)
        return civic.parse(civic_no["value"], today=today)[0]
    except civic.InvalidCivicNumber:
        return None


def stage_group(item: dict[str, Any], warnings: Warnings) -> StagedGroup | None:
    """Return the staged group with its memberships, or None when unit, name or start is missing."""
    unit = _ref_id(item.get("organisation"))
    start = _date(item.get("startDate"), "Group.startDate", warnings)
    name = _str(item.get("displayName"), 200)
    if unit is None or start is None or not name:
        warnings.add("missing:Group.required")
        return None
    group_type = _enum(item.get("groupType"), GroupType, "Group.groupType", warnings, 32) or GroupType.OTHER
    school_type = _enum(item.get("schoolType"), SchoolType, "Group.schoolType", warnings, 16)
    memberships = None
    if isinstance(item.get("groupMemberships"), list):
        staged = []
        for entry in item["groupMemberships"]:
            ref = person_ref(entry.get("person")) if isinstance(entry, dict) else None
            if ref is None:
                warnings.add("missing:GroupMembership.person")
                continue
            staged.append(
                (
                    ref,
                    _date(entry.get("startDate"), "GroupMembership.startDate", warnings),
                    _date(entry.get("endDate"), "GroupMembership.endDate", warnings),
                )
            )
        memberships = tuple(staged)
    end = _date(item.get("endDate"), "Group.endDate", warnings)
    if end is not None and end < start:
        warnings.add("end_before_start:Group")
        end = start
    return StagedGroup(item["id"], unit, (name, group_type, school_type, start, end), memberships)


def stage_placement(item: dict[str, Any], warnings: Warnings) -> StagedPlacement | None:
    """Return the staged placement, or None when child, unit or start is missing."""
    child = person_ref(item.get("child"))
    unit = _ref_id(item.get("placedAt"))
    start = _date(item.get("startDate"), "Placement.startDate", warnings)
    if child is None or unit is None or start is None:
        warnings.add("missing:Placement.required")
        return None
    end = _date(item.get("endDate"), "Placement.endDate", warnings)
    if end is not None and end < start:
        warnings.add("end_before_start:Placement")
        end = start
    school_type = _enum(item.get("schoolType"), SchoolType, "Placement.schoolType", warnings, 16)
    return StagedPlacement(item["id"], child, unit, _ref_id(item.get("group")), school_type, start, end)


def stage_duty(item: dict[str, Any], warnings: Warnings) -> StagedDuty | None:
    """Return the staged duty with its group assignments, or None when person, unit, role or start is missing."""
    person = person_ref(item.get("person"))
    unit = _ref_id(item.get("dutyAt"))
    start = _date(item.get("startDate"), "Duty.startDate", warnings)
    role = _enum(item.get("dutyRole"), DutyRole, "Duty.dutyRole", warnings, 40)
    if person is None or unit is None or start is None or not role:
        warnings.add("missing:Duty.required")
        return None
    end = _date(item.get("endDate"), "Duty.endDate", warnings)
    if end is not None and end < start:
        warnings.add("end_before_start:Duty")
        end = start
    assignments = None
    if isinstance(item.get("assignmentRole"), list):
        staged = []
        for entry in item["assignmentRole"]:
            group = _ref_id(entry.get("group")) if isinstance(entry, dict) else None
            role_type = (
                _enum(entry.get("assignmentRoleType"), AssignmentRoleType, "Duty.assignmentRoleType", warnings, 32)
                if group
                else ""
            )
            if not group or not role_type:
                warnings.add("missing:Duty.assignmentRole")
                continue
            staged.append(
                (
                    group,
                    role_type,
                    _date(entry.get("startDate"), "Duty.assignmentRole.startDate", warnings),
                    _date(entry.get("endDate"), "Duty.assignmentRole.endDate", warnings),
                )
            )
        assignments = tuple(staged)
    return StagedDuty(item["id"], person, unit, role, _str(item.get("signature"), 16), start, end, assignments)
