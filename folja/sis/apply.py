"""Apply a staged SIS snapshot to the directory in one transaction, writing only what changed.

Why a dedicated module with bulk operations instead of one action call per row: a municipality
has about 400,000 persons and a million relationship rows, and a per-row action (one transaction
and several queries each) would take hours. This module is the import's "action": it is called
only by `folja.sis.sync` inside a single `transaction.atomic()`, it compares every row before
writing so that an unchanged re-run writes nothing, and it seals persons through the one
action that may do so, `folja.directory.actions.person_seal`. New rows go in through
`folja.sis.bulk.insert` (COPY on PostgreSQL; into a table that is still empty, with its indexes
dropped and re-created around the load: see `folja.sis.bulk.load_into_empty_table`).

Relationships are ended (end date = yesterday) rather than deleted, because posts and audit rows
point at persons, units and groups; a relationship that had not started yet is moved into the
past (start = end = yesterday) so that it never becomes active. Guardianships have no dates and
are deleted when the SIS no longer reports them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from folja.core.db import index_lookups
from folja.directory.actions import person_seal
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
    PersonSisId,
    Phone,
    Placement,
)
from folja.sis.bulk import insert, loading, lock_referenced_tables, set_values, settle_deferred_checks
from folja.sis.mapping import (
    ORGANISATION_FIELDS,
    PERSON_FIELDS,
    PersonRef,
    StagedDuty,
    StagedGroup,
    StagedOrganisation,
    StagedPerson,
    StagedPlacement,
    Warnings,
    marking_allows_import,
    person_digest,
    person_ref,
    stage_duty,
    stage_group,
    stage_organisation,
    stage_person,
    stage_placement,
)
from folja.sis.spool import Spool

CHUNK = 5000
PERSON_QUERY_FIELDS = ("pk", *PERSON_FIELDS, "sealed_at", "sis_digest")
CONTACT_KINDS = (
    ("emails", Email, ("value", "type")),
    ("phones", Phone, ("value", "type", "mobile")),
    ("addresses", Address, ("type", "street_address", "postal_code", "locality", "country", "municipality_code")),
)
BATCH = 2000
# bulk_update builds one CASE per field over the batch: small batches keep it from going quadratic.
UPDATE_BATCH = 200


# Listings staged in memory from the spool when the apply first needs them: name -> stage function.
_STAGERS = {
    "organisations": stage_organisation,
    "groups": stage_group,
    "placements": stage_placement,
    "duties": stage_duty,
}


@dataclass
class Staging:
    """Everything fetched for one run, before anything is written.

    Every page goes to a spool on disk as it arrives (`add_page`), while the few things the apply
    must know before the first row is written are noted from it: who is protected (R5: by their
    own record or by any reference to them, in any listing), which persons were answered more
    than once, and, in a delta, which persons were referenced. Persons, the bulk of a
    municipality, are staged as their page arrives (while the fetch threads wait for the SIS) and
    spooled staged, then read back one page at a time (`person_pages`); the other listings are
    spooled as sent and staged when the apply first asks for them (`organisations`, `groups`, …),
    as dicts by SIS id in which a later answer wins, and can be released after use.
    """

    full: bool
    today: dt.date = field(default_factory=dt.date.today)
    deleted: dict[str, set[str]] = field(default_factory=dict)
    warnings: Warnings = field(default_factory=Warnings)
    spool: Spool = field(default_factory=Spool)
    # SIS ids of persons whose record, or any reference to whom, carries a marking other than
    # "Ingen" (fail closed: a person record without a marking counts).
    protected: set[str] = field(default_factory=set)
    # Persons answered more than once: SIS id -> position of the last answer (the one that counts).
    superseded: dict[str, int] = field(default_factory=dict)
    # Only in a delta (small): the persons sent, and every person referenced.
    person_ids: set[str] = field(default_factory=set)
    referenced: set[str] = field(default_factory=set)
    # Distinct entities per listing, for the report: persons counted while spooled, the others when staged.
    fetched: dict[str, int] = field(default_factory=lambda: {"persons": 0})
    _staged: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _seen: set[int] = field(default_factory=set, repr=False)  # hash of each person's SIS id
    _position: int = 0

    # -- while fetching ---------------------------------------------------------------------

    def add_page(self, name: str, page: list[dict[str, Any]]) -> None:
        """Note what the apply must know in advance from one page of a listing, then spool it.

        Persons are staged here, while the fetch threads wait for the SIS, and spooled staged;
        the other listings are spooled as the SIS sent them and staged when the apply needs them.
        """
        if name == "persons":
            # As plain tuples: pickle writes a named tuple through a Python method, a tuple in C.
            self.spool.add(name, [tuple(staged) for staged in self._stage_persons(page)])
            return
        if name == "groups":
            for item in page:
                entries = item.get("groupMemberships")
                if isinstance(entries, list):
                    for entry in entries:
                        if isinstance(entry, dict):
                            self._note_ref(person_ref(entry.get("person")))
        elif name == "placements":
            for item in page:
                self._note_ref(person_ref(item.get("child")))
        elif name == "duties":
            for item in page:
                self._note_ref(person_ref(item.get("person")))
        self.spool.add(name, page)

    def _note_ref(self, ref: PersonRef | None) -> None:
        # person_ref is the one reading of a reference and of its own marking.
        if ref is None:
            return
        if ref.marking is not None and not marking_allows_import(ref.marking):
            self.protected.add(ref.sis_id)
        if not self.full:
            self.referenced.add(ref.sis_id)

    def _stage_persons(self, page: list[dict[str, Any]]) -> list[StagedPerson]:
        protected, seen, later = self.protected, self._seen, self.superseded
        note_ref = self._note_ref
        warnings, today, intern = self.warnings, self.today, sys.intern
        delta = not self.full
        position = self._position
        staged_page = []
        refs: list[PersonRef] = []
        for item in page:
            item_id = item["id"] = intern(item["id"])
            key = hash(item_id)
            if key in seen:  # answered before (or, very rarely, the same hash: harmless, see person_pages)
                later[item_id] = position
            else:
                seen.add(key)
                self.fetched["persons"] += 1
            position += 1
            staged = stage_person(item, warnings, today, refs)
            if not marking_allows_import(staged.marking):  # missing, unknown or protective
                protected.add(item_id)
            if delta:
                self.person_ids.add(item_id)
            staged_page.append(staged)
        for ref in refs:  # every responsible's reference, with its own marking
            note_ref(ref)
        self._position = position
        return staged_page

    # -- while applying ---------------------------------------------------------------------

    def person_pages(self) -> Iterator[list[StagedPerson]]:
        """Yield the staged persons one spooled page at a time, without the answers a later answer replaced."""
        later = self.superseded
        position = 0
        make = StagedPerson._make
        for page in self.spool.pages("persons"):
            kept = []
            for staged in map(make, page):
                # An id in `later` counts only at its last position; any other id (a hash it merely
                # shares included) at every position it has.
                if not later or later.get(staged.sis_id, position) == position:
                    kept.append(staged)
                position += 1
            yield kept

    def _listing(self, name: str) -> dict[str, Any]:
        staged = self._staged.get(name)
        if staged is None:
            staged = {}
            stage, warnings, intern = _STAGERS[name], self.warnings, sys.intern
            for page in self.spool.pages(name):
                for item in page:
                    item_id = item["id"] = intern(item["id"])
                    record = stage(item, warnings)
                    if record is not None:
                        staged[item_id] = record  # a later answer for the same id wins (created ∪ modified)
            self._staged[name] = staged
            self.fetched[name] = len(staged)
        return staged

    @property
    def organisations(self) -> dict[str, StagedOrganisation]:
        return self._listing("organisations")

    @property
    def groups(self) -> dict[str, StagedGroup]:
        return self._listing("groups")

    @property
    def placements(self) -> dict[str, StagedPlacement]:
        return self._listing("placements")

    @property
    def duties(self) -> dict[str, StagedDuty]:
        return self._listing("duties")

    def release(self, name: str) -> None:
        """Free a staged listing the apply no longer needs (it is staged again if asked for)."""
        self._staged.pop(name, None)

    def referenced_person_ids(self) -> set[str]:
        """Return the SIS ids of every person referenced (noted in a delta only)."""
        return self.referenced

    def close(self) -> None:
        """Remove the spool."""
        self.spool.close()


def _stored(row: tuple) -> tuple:
    """What a person page compares of a stored person (a PERSON_QUERY_FIELDS row).

    (civic number, sealed_at, hash of PERSON_FIELDS, stored digest). A hash instead of the
    values: a 64-bit collision (never seen) would skip one update.
    """
    return (row[4], row[-2], hash(row[1:-2]), row[-1])


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """Yield lists of at most `size` items."""
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Applier:
    """One application of a staging to one huvudman; `counts[entity][kind]` is the report."""

    def __init__(
        self,
        *,
        organisation: Organisation,
        staging: Staging,
        today: dt.date,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.org = organisation
        self.s = staging
        self.w = staging.warnings
        self.today = today
        self.yesterday = today - dt.timedelta(days=1)
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.progress = progress or (lambda _message: None)
        self.org_ids: dict[str, int] = {}
        self.allowed: dict[str, int] = {}  # person SIS id -> person pk, for persons that may be referenced
        self.protected: set[str] = set()
        self.group_ids: dict[str, int] = {}
        self.group_dates: dict[int, tuple[dt.date, dt.date | None]] = {}

    # -- helpers --------------------------------------------------------------------------

    def _end(self, qs: QuerySet, entity: str) -> None:
        """End the rows of a dated queryset as of yesterday; move not-yet-started rows into the past."""
        open_rows = qs.filter(Q(end_date__isnull=True) | Q(end_date__gt=self.yesterday))
        ended = open_rows.filter(start_date__lte=self.yesterday).update(end_date=self.yesterday)
        ended += open_rows.filter(start_date__gt=self.yesterday).update(
            start_date=self.yesterday, end_date=self.yesterday
        )
        self.counts[entity]["ended"] += ended

    def _end_pks(self, model: type, pks: Iterable[int], entity: str) -> None:
        for batch in chunks(pks):
            self._end(model.objects.filter(pk__in=batch), entity)

    def ref_ok(self, sis_id: str, entity: str) -> int | None:
        """Return the person pk a reference may be turned into, or None (counted as skipped).

        R5: the person must not be protected (by their record or by any reference's own marking:
        all noted in `protected` before the apply) and must have been imported (or be known and
        unsealed); a reference is never turned into a stub.
        """
        if sis_id in self.protected:
            self.counts[entity]["skipped"] += 1
            self.w.add(f"protected_reference:{entity}")
            return None
        pk = self.allowed.get(sis_id)
        if pk is None:
            self.counts[entity]["skipped"] += 1
            self.w.add(f"dangling_reference:{entity}")
        return pk

    # -- the run --------------------------------------------------------------------------

    def run(self) -> dict[str, dict[str, int]]:
        """Apply everything in dependency order and return the counts."""
        # The first import of a new installation: nobody can be using Följa yet, so the tables that
        # the loads reference are locked, and the foreign keys to them checked once per table.
        locked = not Person.objects.exists() and not Group.objects.exists()
        locked = locked and lock_referenced_tables(Organisation, Group)
        self.progress("organisations")
        self.apply_organisations()
        if locked:
            settle_deferred_checks(Organisation)
        self.progress("persons")
        self.apply_persons()
        self.progress("guardianships")
        self.apply_guardianships()
        self.progress("groups")
        self.apply_groups()
        if locked:
            settle_deferred_checks(Group)
        self.progress("placements")
        derived_old = self.apply_placements()
        self.progress("memberships")
        self.apply_memberships(derived_old)
        self.s.release("groups")
        self.s.release("placements")
        self.progress("duties")
        self.apply_duties()
        self.s.release("duties")
        self.progress("deletions")
        self.apply_deleted_persons()
        return {entity: dict(counter) for entity, counter in sorted(self.counts.items())}

    # -- organisations --------------------------------------------------------------------

    def apply_organisations(self) -> None:
        huvudman = self.org
        existing = {o.sis_id: o for o in Organisation.objects.filter(organisation=huvudman, sis_id__isnull=False)}
        self.org_ids = {sis_id: o.pk for sis_id, o in existing.items()}
        if huvudman.sis_id:
            self.org_ids[huvudman.sis_id] = huvudman.pk
        counts = self.counts["organisations"]
        created: set[str] = set()
        pending = [
            staged
            for staged in self.s.organisations.values()
            if staged.organisation_type != OrganisationType.HUVUDMAN and staged.sis_id not in existing
        ]
        for staged in self.s.organisations.values():
            if staged.organisation_type != OrganisationType.HUVUDMAN:
                continue
            if huvudman.sis_id in (None, staged.sis_id):
                if huvudman.sis_id is None:
                    huvudman.sis_id = staged.sis_id
                    huvudman.save(update_fields=["sis_id"])
                    counts["updated"] += 1
                self.org_ids[staged.sis_id] = huvudman.pk
            else:
                self.w.add("other_huvudman_skipped")
                counts["skipped"] += 1
        # Create parents before children, level by level, so that no second pass is needed.
        while pending:
            ready = [s for s in pending if not s.parent_sis_id or s.parent_sis_id in self.org_ids]
            if not ready:  # parent missing or a cycle: hang the rest under the huvudman (warned below)
                ready = pending
            ready_ids = {s.sis_id for s in ready}
            pending = [s for s in pending if s.sis_id not in ready_ids]
            level = [
                Organisation(
                    organisation=huvudman,
                    parent_id=self.org_ids.get(staged.parent_sis_id or "", huvudman.pk),
                    sis_id=staged.sis_id,
                    organisation_type=staged.organisation_type,
                    **dict(zip(ORGANISATION_FIELDS, staged.fields, strict=True)),
                )
                for staged in ready
            ]
            Organisation.objects.bulk_create(level, batch_size=BATCH)
            for org in level:
                existing[org.sis_id] = org
                self.org_ids[org.sis_id] = org.pk
                created.add(org.sis_id)
        counts["created"] += len(created)
        to_update = []
        for staged in self.s.organisations.values():
            org = existing.get(staged.sis_id)
            if org is None or staged.organisation_type == OrganisationType.HUVUDMAN:
                continue
            parent_id = self.org_ids.get(staged.parent_sis_id) if staged.parent_sis_id else None
            if staged.parent_sis_id and parent_id is None:
                self.w.add("dangling_reference:Organisation.parentOrganisation")
            wanted = dict(zip(ORGANISATION_FIELDS, staged.fields, strict=True))
            wanted["organisation_type"] = staged.organisation_type
            wanted["parent_id"] = parent_id or huvudman.pk
            changed = [name for name, value in wanted.items() if getattr(org, name) != value]
            if changed:
                for name in changed:
                    setattr(org, name, wanted[name])
                to_update.append(org)
                if staged.sis_id not in created:
                    counts["updated"] += 1
        if to_update:
            Organisation.objects.bulk_update(
                to_update, [*ORGANISATION_FIELDS, "organisation_type", "parent"], batch_size=UPDATE_BATCH
            )
        gone = set(self.s.deleted.get("organisations", ()))
        if self.s.full:
            gone |= set(existing) - set(self.s.organisations)
        for org in existing.values():
            if org.sis_id in gone and (org.end_date is None or org.end_date > self.yesterday):
                if org.start_date and org.start_date > self.yesterday:
                    org.start_date = self.yesterday  # not started yet: move it into the past
                org.end_date = self.yesterday
                org.save(update_fields=["start_date", "end_date"])
                counts["ended"] += 1

    # -- persons --------------------------------------------------------------------------

    def apply_persons(self) -> None:
        """Create, update and link persons one spooled page at a time; seal who is now protected."""
        counts = self.counts["persons"]
        # R5: a person is protected when their record, or any reference to them, carries a marking
        # other than "Ingen" (a missing marking on the record counts as protected: fail closed),
        # noted from every listing while it was spooled, before anything is written.
        self.protected = set(self.s.protected)
        # What is stored already decides which lookups a page needs: none at all on a new installation.
        self._has_links = PersonSisId.objects.filter(organisation=self.org).exists()
        self._has_persons = self._has_links or Person.objects.exists()
        self._had_contacts = {model: model.objects.exists() for _attr, model, _fields in CONTACT_KINDS}

        # Seal every known person who is now protected (R5), at once; those found only by their
        # civic number are sealed when their page comes.
        protected_pks: set[int] = set()
        for batch in chunks(self.protected):
            protected_pks.update(
                PersonSisId.objects.filter(organisation=self.org, sis_id__in=batch).values_list("person_id", flat=True)
            )
        for pk in sorted(protected_pks):
            # person_seal only counts persons who were not sealed already.
            if person_seal(person=Person(pk=pk), reason="sis_security_marking", source="sis"):
                counts["sealed"] += 1

        self.rejected: set[str] = set()  # persons of this run who may not be referenced
        self._civics: set[int] = set()  # civic numbers of this run (twelve digits), for duplicates
        self._sealed_skipped = 0
        with loading(Person, PersonSisId, *(model for _attr, model, _fields in CONTACT_KINDS)), index_lookups():
            done, total = 0, self.s.fetched.get("persons", 0)
            for page in self.s.person_pages():
                self._apply_person_page(page)
                done += len(page)
                self.progress(f"persons {done}/{max(done, total)}")
        if self._sealed_skipped:
            self.w.add("sealed_person_not_updated")
        self._allow_referenced_known_persons()

    def _apply_person_page(self, page: list[StagedPerson]) -> None:
        counts = self.counts["persons"]
        # pk -> (civic number, sealed_at, hash of PERSON_FIELDS, stored digest): see _stored.
        links: dict[str, int] = {}
        rows: dict[int, tuple] = {}
        if self._has_links:
            # The page's links, then their persons: two index lookups (one join of the two was
            # planned as a hash join over the whole person table, 5-10 times slower).
            links = dict(
                PersonSisId.objects.filter(organisation=self.org, sis_id__any=[p.sis_id for p in page]).values_list(
                    "sis_id", "person_id"
                )
            )
            if links:
                for row in Person.objects.filter(pk__any=list(links.values())).values_list(*PERSON_QUERY_FIELDS):
                    rows[row[0]] = _stored(row)
        # Who has a civic number now, for the persons of the page who are not linked yet or whose
        # number changed: the person to link (known from another organisation, or from before a
        # SIS id change) or a conflict. An unchanged re-run asks nothing here.
        owner: dict[str, int] = {}
        if self._has_persons:
            civics = set()
            for staged in page:
                number = staged.civic_number
                if number:
                    pk = links.get(staged.sis_id)
                    if pk is None or rows[pk][0] != number:
                        civics.add(number)
            if civics:
                for row in Person.objects.filter(civic_number__any=list(civics)).values_list(*PERSON_QUERY_FIELDS):
                    owner[row[4]] = row[0]
                    rows[row[0]] = _stored(row)

        seen_civics = self._civics
        to_create: list[tuple[StagedPerson, int]] = []
        to_link: list[tuple[int, int, str]] = []
        to_update: list[Person] = []
        new_digests: list[tuple[int, int]] = []  # (pk, digest): fields unchanged, contacts to compare
        here: dict[str, int] = {}  # SIS id -> pk of the persons of this page who may be referenced
        unchanged: set[int] = set()  # persons whose record is the one last applied (same digest)
        for staged in page:
            if staged.sis_id in self.protected:
                counts["skipped"] += 1
                self.w.add("protected_identity")
                pk = owner.get(staged.civic_number) if staged.civic_number else None
                if (
                    pk is not None
                    and staged.sis_id not in links
                    and person_seal(person=Person(pk=pk), reason="sis_security_marking", source="sis")
                ):
                    counts["sealed"] += 1
                continue
            if staged.fields is None:
                counts["skipped"] += 1
                self.rejected.add(staged.sis_id)
                continue
            civic_number = staged.fields[3]
            if civic_number:
                number = int(civic_number)
                if number in seen_civics:
                    counts["skipped"] += 1
                    self.w.add("duplicate_civic_number")
                    self.rejected.add(staged.sis_id)
                    continue
                seen_civics.add(number)
            digest = person_digest(staged)
            pk = links.get(staged.sis_id)
            if pk is None and civic_number and civic_number in owner:
                pk = owner[civic_number]
                to_link.append((self.org.pk, pk, staged.sis_id))
            if pk is None:
                to_create.append((staged, digest))
                continue
            row = rows.get(pk)
            if row is None or row[1] is not None:
                # Sealed (or vanished mid-run): only the organisation can unseal (R5).
                counts["skipped"] += 1
                self._sealed_skipped += 1
                self.rejected.add(staged.sis_id)
                continue
            if row[3] == digest:  # the record last applied to this person: nothing to compare
                unchanged.add(pk)
            elif row[2] != hash(staged.fields):
                if civic_number and owner.get(civic_number, pk) != pk:
                    counts["skipped"] += 1
                    self.w.add("civic_number_conflict")
                    self.rejected.add(staged.sis_id)
                    continue
                fields = dict(zip(PERSON_FIELDS, staged.fields, strict=True))
                to_update.append(Person(pk=pk, sis_digest=digest, **fields))
            else:
                new_digests.append((pk, digest))
            here[staged.sis_id] = pk

        new_ids = insert(
            Person, (*PERSON_FIELDS, "sis_digest"), [(*p.fields, digest) for p, digest in to_create], want_ids=True
        )
        for (staged, _digest), pk in zip(to_create, new_ids, strict=True):
            here[staged.sis_id] = pk
            to_link.append((self.org.pk, pk, staged.sis_id))
        insert(PersonSisId, ("organisation_id", "person_id", "sis_id"), to_link)
        Person.objects.bulk_update(to_update, [*PERSON_FIELDS, "sis_digest"], batch_size=UPDATE_BATCH)
        # A record that differs from the one last applied only where nothing is stored (or that
        # was written before digests were kept): only the digest changes.
        set_values(Person, "sis_digest", new_digests)
        counts["created"] += len(to_create)
        counts["updated"] += len(to_update)
        self.allowed.update(here)
        self._apply_contacts(page, {sis_id: pk for sis_id, pk in here.items() if pk not in unchanged}, set(new_ids))
        # Guardianships need every person written first (a guardian may come on a later page):
        # each child's responsibles wait in the spool, as (child pk, [(SIS id, relation), ...]).
        responsibles = [
            (here[staged.sis_id], staged.responsibles)
            for staged in page
            if staged.responsibles is not None and staged.sis_id in here
        ]
        self.s.spool.add("responsibles", responsibles)

    def _allow_referenced_known_persons(self) -> None:
        """Make persons known here but not staged in this run referenceable, when unsealed and unprotected."""
        if self.s.full and not self._has_links:
            return  # every link here was made by this run, for a person it allowed
        blocked = self.rejected | self.protected
        usable = PersonSisId.objects.filter(organisation=self.org, person__sealed_at__isnull=True)
        if self.s.full:
            rows: Iterable[tuple[str, int]] = usable.values_list("sis_id", "person_id").iterator(chunk_size=CHUNK)
        else:
            wanted = [i for i in self.s.referenced_person_ids() if i not in self.allowed and i not in blocked]
            rows = (
                row
                for batch in chunks(wanted)
                for row in usable.filter(sis_id__in=batch).values_list("sis_id", "person_id")
            )
        allowed = self.allowed
        for sis_id, pk in rows:
            if sis_id not in allowed and sis_id not in blocked:
                allowed[sis_id] = pk

    def _apply_contacts(self, page: list[StagedPerson], here: dict[str, int], created_pks: set[int]) -> None:
        """Replace a person's e-mails, phones or addresses when (and only when) the SIS list differs."""
        counts = self.counts["contacts"]
        for attr, model, fields in CONTACT_KINDS:
            wanted: dict[int, tuple] = {}
            for staged in page:
                value = getattr(staged, attr)
                pk = here.get(staged.sis_id)
                if value is not None and pk is not None:
                    wanted[pk] = value
            # person pk -> hash of their sorted rows
            current: dict[int, int] = {}
            existing_pks = [pk for pk in wanted if pk not in created_pks] if self._had_contacts[model] else []
            if existing_pks:
                ordered = (
                    model.objects.filter(person_id__any=existing_pks)
                    .order_by("person_id")
                    .values_list("person_id", *fields)
                )
                for pk, group in itertools.groupby(ordered, key=operator.itemgetter(0)):
                    current[pk] = hash(tuple(sorted(tuple(row[1:]) for row in group)))
            replace: list[int] = []
            new_rows: list[tuple] = []
            for pk, values in wanted.items():
                stored = current.get(pk)
                if stored is None:  # nothing stored: only a non-empty list is new (no hashing needed)
                    if not values:
                        continue
                    counts["created"] += 1
                elif stored == hash(values):
                    continue
                else:
                    replace.append(pk)
                    counts["updated"] += 1
                new_rows.extend([(pk, *value) for value in values])
            if replace:
                model.objects.filter(person_id__in=replace).delete()
            insert(model, ("person_id", *fields), new_rows)

    # -- guardianships --------------------------------------------------------------------

    def apply_guardianships(self) -> None:
        """Guardianships from each person's `responsibles`, read again from the spool page by page."""
        counts = self.counts["guardianships"]
        fields = ("child_id", "responsible_id", "relation_type", "pk")
        had_rows = Guardianship.objects.filter(organisation=self.org).exists()
        allowed = self.allowed
        with loading(Guardianship), index_lookups():
            for page in self.s.spool.pages("responsibles"):
                desired: set[tuple[int, int, str]] = set()
                scope: set[int] = set()
                for child_pk, responsibles in page:
                    scope.add(child_pk)
                    for sis_id, relation in responsibles:
                        responsible_pk = self.ref_ok(sis_id, "guardianships")
                        if responsible_pk is not None and responsible_pk != child_pk:
                            desired.add((child_pk, responsible_pk, relation))
                existing: dict[tuple[int, int, str], int] = {}
                if had_rows and scope:
                    rows = Guardianship.objects.filter(organisation=self.org, child_id__any=list(scope))
                    for row in rows.values_list(*fields):
                        existing[row[:3]] = row[3]
                new = [(self.org.pk, *key) for key in desired if key not in existing]
                insert(Guardianship, ("organisation_id", "child_id", "responsible_id", "relation_type"), new)
                counts["created"] += len(new)
                gone = [pk for key, pk in existing.items() if key not in desired]
                if gone:
                    Guardianship.objects.filter(pk__in=gone).delete()
                counts["ended"] += len(gone)
        if self.s.full and had_rows:
            # A full run also removes the guardianships of children who may no longer be referenced.
            allowed_pks = set(allowed.values())
            stale = [
                pk
                for child_pk, pk in Guardianship.objects.filter(organisation=self.org)
                .values_list("child_id", "pk")
                .iterator(chunk_size=CHUNK)
                if child_pk not in allowed_pks
            ]
            for batch in chunks(stale):
                Guardianship.objects.filter(pk__in=batch).delete()
            counts["ended"] += len(stale)

    # -- groups ---------------------------------------------------------------------------

    def apply_groups(self) -> None:
        counts = self.counts["groups"]
        fields = ("display_name", "group_type", "school_type", "start_date", "end_date")
        existing = {
            row[0]: row[1:]
            for row in Group.objects.filter(organisation=self.org, sis_id__isnull=False).values_list(
                "sis_id", "pk", "school_unit_id", *fields
            )
        }
        self.group_ids = {sis_id: row[0] for sis_id, row in existing.items()}
        to_create, to_update, skipped = [], [], set()
        for staged in self.s.groups.values():
            unit_pk = self.org_ids.get(staged.unit_sis_id)
            if unit_pk is None:
                counts["skipped"] += 1
                self.w.add("dangling_reference:Group.organisation")
                skipped.add(staged.sis_id)
                continue
            wanted = (unit_pk, *staged.fields)
            row = existing.get(staged.sis_id)
            if row is None:
                to_create.append(
                    Group(
                        organisation=self.org,
                        sis_id=staged.sis_id,
                        school_unit_id=unit_pk,
                        hidden_members=self.org.hidden_members_by_default,
                        **dict(zip(fields, staged.fields, strict=True)),
                    )
                )
            elif tuple(row[1:]) != wanted:
                to_update.append(
                    Group(pk=row[0], school_unit_id=unit_pk, **dict(zip(fields, staged.fields, strict=True)))
                )
        Group.objects.bulk_create(to_create, batch_size=BATCH)
        Group.objects.bulk_update(to_update, ["school_unit", *fields], batch_size=UPDATE_BATCH)
        counts["created"] += len(to_create)
        counts["updated"] += len(to_update)
        for group in to_create:
            self.group_ids[group.sis_id] = group.pk
        for row in existing.values():
            self.group_dates[row[0]] = (row[5], row[6])
        for group in [*to_create, *to_update]:
            self.group_dates[group.pk] = (group.start_date, group.end_date)
        gone = set(self.s.deleted.get("groups", ())) | skipped
        if self.s.full:
            gone |= set(existing) - set(self.s.groups)
        gone_pks = [self.group_ids[sis_id] for sis_id in gone if sis_id in self.group_ids]
        self._end_pks(Group, gone_pks, "groups")
        for batch in chunks(gone_pks):
            self._end(GroupMembership.objects.filter(group_id__in=batch), "memberships")
            self._end(DutyAssignment.objects.filter(group_id__in=batch), "assignments")
        self.gone_groups = set(gone_pks)

    # -- placements -----------------------------------------------------------------------

    def apply_placements(self) -> set[tuple[int, int, dt.date]]:
        """Upsert placements; return the membership keys their old group/start implied."""
        counts = self.counts["placements"]
        fields = ("child_id", "school_unit_id", "group_id", "school_type", "start_date", "end_date")
        existing: dict[str, tuple] = {}
        qs = Placement.objects.filter(organisation=self.org, sis_id__isnull=False)
        if self.s.full:
            for row in qs.values_list("sis_id", "pk", *fields).iterator(chunk_size=CHUNK):
                existing[row[0]] = row[1:]
        else:
            for batch in chunks(set(self.s.placements) | set(self.s.deleted.get("placements", ()))):
                for row in qs.filter(sis_id__in=batch).values_list("sis_id", "pk", *fields):
                    existing[row[0]] = row[1:]
        derived_old: set[tuple[int, int, dt.date]] = set()
        to_create, to_update, gone = [], [], set(self.s.deleted.get("placements", ()))
        self.placement_memberships: dict[tuple[int, int, dt.date], dt.date | None] = {}
        for staged in self.s.placements.values():
            child_pk = self.ref_ok(staged.child.sis_id, "placements")
            unit_pk = self.org_ids.get(staged.unit_sis_id)
            if unit_pk is None and child_pk is not None:
                counts["skipped"] += 1
                self.w.add("dangling_reference:Placement.placedAt")
            if child_pk is None or unit_pk is None:
                gone.add(staged.sis_id)
                continue
            group_pk = self.group_ids.get(staged.group_sis_id) if staged.group_sis_id else None
            if staged.group_sis_id and group_pk is None:
                self.w.add("dangling_reference:Placement.group")
            wanted = (child_pk, unit_pk, group_pk, staged.school_type, staged.start_date, staged.end_date)
            if group_pk is not None:
                self.placement_memberships[(group_pk, child_pk, staged.start_date)] = staged.end_date
            row = existing.get(staged.sis_id)
            if row is None:
                to_create.append((self.org.pk, staged.sis_id, *wanted))
            elif tuple(row[1:]) != wanted:
                to_update.append(Placement(pk=row[0], **dict(zip(fields, wanted, strict=True))))
                if row[3] is not None:
                    derived_old.add((row[3], row[1], row[5]))
        insert(Placement, ("organisation_id", "sis_id", *fields), to_create)
        Placement.objects.bulk_update(to_update, [f.removesuffix("_id") for f in fields], batch_size=UPDATE_BATCH)
        counts["created"] += len(to_create)
        counts["updated"] += len(to_update)
        if self.s.full:
            gone |= set(existing) - set(self.s.placements)
        gone_rows = [existing[sis_id] for sis_id in gone if sis_id in existing]
        for row in gone_rows:
            if row[3] is not None:
                derived_old.add((row[3], row[1], row[5]))
        self._end_pks(Placement, [row[0] for row in gone_rows], "placements")
        return derived_old

    # -- memberships ----------------------------------------------------------------------

    def apply_memberships(self, derived_old: set[tuple[int, int, dt.date]]) -> None:
        counts = self.counts["memberships"]
        desired: dict[tuple[int, int, dt.date], dt.date | None] = {}
        scope_groups: set[int] = set()
        for staged in self.s.groups.values():
            group_pk = self.group_ids.get(staged.sis_id)
            if group_pk is None or staged.memberships is None or group_pk in self.gone_groups:
                continue
            scope_groups.add(group_pk)
            group_start, group_end = self.group_dates[group_pk]
            for ref, start, end in staged.memberships:
                person_pk = self.ref_ok(ref.sis_id, "memberships")
                if person_pk is None:
                    continue
                start = start or group_start
                end = end if end is not None else group_end
                if end is not None and end < start:
                    end = start
                desired[(group_pk, person_pk, start)] = end
        # The access policy reads group membership, so a placement in a group is one too.
        for key, end in self.placement_memberships.items():
            if key[0] not in self.gone_groups:
                desired.setdefault(key, end)
        keep: set[tuple[int, int, dt.date]] = set()
        if not self.s.full and scope_groups:
            staged_ids = set(self.s.placements)
            for batch in chunks(scope_groups):
                rows = (
                    Placement.objects.filter(organisation=self.org, group_id__in=batch)
                    .exclude(sis_id__in=staged_ids)
                    .values_list("group_id", "child_id", "start_date")
                )
                keep.update(rows)
        existing: dict[tuple[int, int, dt.date], tuple[int, dt.date | None]] = {}
        duplicates: list[int] = []
        fields = ("group_id", "person_id", "start_date", "pk", "end_date")
        qs = GroupMembership.objects.filter(organisation=self.org)
        if self.s.full:
            rows_iter: Iterable = qs.values_list(*fields).iterator(chunk_size=CHUNK)
        else:
            groups = scope_groups | {k[0] for k in desired} | {k[0] for k in derived_old}
            rows_iter = (row for batch in chunks(groups) for row in qs.filter(group_id__in=batch).values_list(*fields))
        for row in rows_iter:
            key = row[:3]
            if key in existing:
                duplicates.append(row[3])
            else:
                existing[key] = (row[3], row[4])
        to_create, to_update, to_end = [], [], list(duplicates)
        for key, end in desired.items():
            current = existing.get(key)
            if current is None:
                to_create.append((self.org.pk, *key, end))
            elif current[1] != end:
                to_update.append(GroupMembership(pk=current[0], end_date=end))
        for key, (pk, _end) in existing.items():
            if key in desired or key in keep:
                continue
            if self.s.full or key[0] in scope_groups or key in derived_old:
                to_end.append(pk)
        insert(GroupMembership, ("organisation_id", "group_id", "person_id", "start_date", "end_date"), to_create)
        GroupMembership.objects.bulk_update(to_update, ["end_date"], batch_size=UPDATE_BATCH)
        counts["created"] += len(to_create)
        counts["updated"] += len(to_update)
        self._end_pks(GroupMembership, to_end, "memberships")

    # -- duties ---------------------------------------------------------------------------

    def apply_duties(self) -> None:
        counts = self.counts["duties"]
        fields = ("person_id", "school_unit_id", "duty_role", "signature", "start_date", "end_date")
        existing: dict[str, tuple] = {}
        qs = Duty.objects.filter(organisation=self.org, sis_id__isnull=False)
        if self.s.full:
            rows = qs.values_list("sis_id", "pk", *fields)
        else:
            ids = list(set(self.s.duties) | set(self.s.deleted.get("duties", ())))
            rows = (
                row for batch in chunks(ids) for row in qs.filter(sis_id__in=batch).values_list("sis_id", "pk", *fields)
            )
        for row in rows:
            existing[row[0]] = row[1:]
        to_create, to_update, gone = [], [], set(self.s.deleted.get("duties", ()))
        duty_pks: dict[str, int] = {sis_id: row[0] for sis_id, row in existing.items()}
        for staged in self.s.duties.values():
            person_pk = self.ref_ok(staged.person.sis_id, "duties")
            unit_pk = self.org_ids.get(staged.unit_sis_id)
            if unit_pk is None and person_pk is not None:
                counts["skipped"] += 1
                self.w.add("dangling_reference:Duty.dutyAt")
            if person_pk is None or unit_pk is None:
                gone.add(staged.sis_id)
                continue
            wanted = (person_pk, unit_pk, staged.duty_role, staged.signature, staged.start_date, staged.end_date)
            row = existing.get(staged.sis_id)
            if row is None:
                to_create.append((self.org.pk, staged.sis_id, *wanted))
            elif tuple(row[1:]) != wanted:
                to_update.append(Duty(pk=row[0], **dict(zip(fields, wanted, strict=True))))
        new_ids = insert(Duty, ("organisation_id", "sis_id", *fields), to_create, want_ids=True)
        Duty.objects.bulk_update(to_update, [f.removesuffix("_id") for f in fields], batch_size=UPDATE_BATCH)
        counts["created"] += len(to_create)
        counts["updated"] += len(to_update)
        for row, pk in zip(to_create, new_ids, strict=True):
            duty_pks[row[1]] = pk
        if self.s.full:
            gone |= set(existing) - set(self.s.duties)
        gone_pks = [duty_pks[sis_id] for sis_id in gone if sis_id in duty_pks]
        self._end_pks(Duty, gone_pks, "duties")
        for batch in chunks(gone_pks):
            self._end(DutyAssignment.objects.filter(duty_id__in=batch), "assignments")
        self.apply_assignments(duty_pks, set(gone_pks))

    def apply_assignments(self, duty_pks: dict[str, int], gone_duties: set[int]) -> None:
        counts = self.counts["assignments"]
        desired: dict[tuple[int, int, str, dt.date], dt.date | None] = {}
        scope: set[int] = set()
        for staged in self.s.duties.values():
            duty_pk = duty_pks.get(staged.sis_id)
            if duty_pk is None or duty_pk in gone_duties or staged.assignments is None:
                continue
            scope.add(duty_pk)
            for group_sis, role_type, start, end in staged.assignments:
                group_pk = self.group_ids.get(group_sis)
                if group_pk is None or group_pk in self.gone_groups:
                    counts["skipped"] += 1
                    self.w.add("dangling_reference:Duty.assignmentRole.group")
                    continue
                start = start or staged.start_date
                end = end if end is not None else staged.end_date
                if end is not None and end < start:
                    end = start
                desired[(duty_pk, group_pk, role_type, start)] = end
        fields = ("duty_id", "group_id", "assignment_role_type", "start_date", "pk", "end_date")
        qs = DutyAssignment.objects.filter(duty__organisation=self.org)
        existing: dict[tuple, tuple[int, dt.date | None]] = {}
        to_end: list[int] = []
        rows = (
            qs.values_list(*fields)
            if self.s.full
            else (row for batch in chunks(scope) for row in qs.filter(duty_id__in=batch).values_list(*fields))
        )
        for row in rows:
            if row[:4] in existing:
                to_end.append(row[4])
            else:
                existing[row[:4]] = (row[4], row[5])
        to_create, to_update = [], []
        for key, end in desired.items():
            current = existing.get(key)
            if current is None:
                to_create.append((*key, end))
            elif current[1] != end:
                to_update.append(DutyAssignment(pk=current[0], end_date=end))
        for key, (pk, _end) in existing.items():
            if key not in desired and (self.s.full or key[0] in scope):
                to_end.append(pk)
        insert(DutyAssignment, ("duty_id", "group_id", "assignment_role_type", "start_date", "end_date"), to_create)
        DutyAssignment.objects.bulk_update(to_update, ["end_date"], batch_size=UPDATE_BATCH)
        counts["created"] += len(to_create)
        counts["updated"] += len(to_update)
        self._end_pks(DutyAssignment, to_end, "assignments")

    # -- deleted persons ------------------------------------------------------------------

    def apply_deleted_persons(self) -> None:
        """End the relationships, in this organisation, of persons the SIS reports as deleted."""
        deleted = self.s.deleted.get("persons", set())
        if not deleted:
            return
        pks = []
        for batch in chunks(deleted):
            pks.extend(
                PersonSisId.objects.filter(organisation=self.org, sis_id__in=batch).values_list("person_id", flat=True)
            )
        for batch in chunks(pks):
            self._end(Placement.objects.filter(organisation=self.org, child_id__in=batch), "placements")
            self._end(Duty.objects.filter(organisation=self.org, person_id__in=batch), "duties")
            self._end(
                DutyAssignment.objects.filter(duty__organisation=self.org, duty__person_id__in=batch), "assignments"
            )
            self._end(GroupMembership.objects.filter(organisation=self.org, person_id__in=batch), "memberships")
            removed, _ = Guardianship.objects.filter(
                Q(child_id__in=batch) | Q(responsible_id__in=batch), organisation=self.org
            ).delete()
            self.counts["guardianships"]["ended"] += removed
        self.counts["persons"]["ended"] += len(pks)
