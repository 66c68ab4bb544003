"""Apply a staged SIS snapshot to the directory in one transaction, writing only what changed.

Why a dedicated module with bulk operations instead of one action call per row: a municipality
has about 400,000 persons and a million relationship rows, and a per-row action (one transaction
and several queries each) would take hours. This module is the import's "action": it is called
only by `folja.sis.sync` inside a single `transaction.atomic()`, it compares every row before
writing so that an unchanged re-run writes nothing, and it seals persons through the one
action that may do so, `folja.directory.actions.person_seal`. New rows go in through
`folja.sis.bulk.insert` (COPY on PostgreSQL; into a table that is still empty, with its indexes
dropped and re-created around the load: see `folja.sis.bulk.load_into_empty_table`).

Memory does not grow with the municipality: every listing is read back from the spool one page
at a time, and whatever a page refers to (persons, groups, the rows stored for it) is looked up
in the database for that page. What must span the whole run is a set of row ids as bits
(`folja.sis.staging.PkSet`) or a set as small as the run's exceptions (protected, rejected and
sealed persons, and in a delta what changed).

Relationships are ended (end date = yesterday) rather than deleted, because posts and audit rows
point at persons, units and groups; a relationship that had not started yet is moved into the
past (start = end = yesterday) so that it never becomes active. Guardianships have no dates and
are deleted when the SIS no longer reports them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

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
from folja.sis.bulk import CHUNK, chunks, insert, loading, lock_referenced_tables, set_values, settle_deferred_checks
from folja.sis.mapping import (
    ORGANISATION_FIELDS,
    PERSON_FIELDS,
    StagedDuty,
    StagedPerson,
    StagedPlacement,
    person_digest,
)
from folja.sis.staging import PkSet, Staging

PERSON_QUERY_FIELDS = ("pk", *PERSON_FIELDS, "sealed_at", "sis_digest")
CONTACT_KINDS = (
    ("emails", Email, ("value", "type")),
    ("phones", Phone, ("value", "type", "mobile")),
    ("addresses", Address, ("type", "street_address", "postal_code", "locality", "country", "municipality_code")),
)
BATCH = 2000
GROUP_BATCH = 500
# bulk_update builds one CASE per field over the batch: small batches keep it from going quadratic.
UPDATE_BATCH = 200
PLACEMENT_FIELDS = ("child_id", "school_unit_id", "group_id", "school_type", "start_date", "end_date")
DUTY_FIELDS = ("person_id", "school_unit_id", "duty_role", "signature", "start_date", "end_date")
GROUP_FIELDS = ("display_name", "group_type", "school_type", "start_date", "end_date")

# A membership or an assignment as the apply compares it: (group, person, start) and (duty, group, role, start).
MembershipKey = tuple[int, int, dt.date]


def _stored(row: tuple) -> tuple:
    """What a person page compares of a stored person (a PERSON_QUERY_FIELDS row).

    (civic number, sealed_at, hash of PERSON_FIELDS, stored digest). A hash instead of the
    values: a 64-bit collision (never seen) would skip one update.
    """
    return (row[4], row[-2], hash(row[1:-2]), row[-1])


def _plain_rows(qs: QuerySet) -> list[tuple]:
    """The rows of a `values_list` of text and integer columns, straight from the cursor.

    Skips Django's per-row conversion, which such columns do not need (a date or a JSON column
    would: never use this for them); a page of 5,000 SIS ids is read in about half the time.
    """
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _unseen(qs: QuerySet, seen: PkSet) -> Iterator[int]:
    """The pks of the rows of `qs` that are not in `seen` (a full run: what the SIS no longer returns)."""
    return (pk for pk in qs.values_list("pk", flat=True).iterator(chunk_size=CHUNK) if pk not in seen)


def _stored_for(qs: QuerySet, page: list[Any], fields: tuple[str, ...]) -> dict[str, tuple]:
    """The rows stored for a page of staged entities: SIS id -> the values of `fields`."""
    rows = qs.filter(sis_id__any=[staged.sis_id for staged in page]).values_list("sis_id", *fields)
    return {row[0]: row[1:] for row in rows}


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
        self.org_ids: dict[str, int] = {}  # the huvudman's units (a few hundred): SIS id -> pk
        # R5: SIS ids of persons who may not be referenced (protected by their record or by any
        # reference; or rejected by this run), and the pks of sealed persons linked here.
        self.protected: set[str] = set()
        self.rejected: set[str] = set()
        self.sealed = PkSet()
        self.gone_groups = PkSet()
        # Placements whose rows this run staged (found or created), and those it ended.
        self.staged_placements = PkSet()
        self.gone_placements = PkSet()
        # A delta only: groups whose placements changed, and the memberships their old rows implied.
        self.touched_groups = PkSet()
        self.derived_old: set[MembershipKey] = set()

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

    def linked_pks(self, sis_ids: Iterable[str]) -> list[int]:
        """The persons linked to this huvudman under these SIS ids, sealed or not (for sealing and ending)."""
        pks: list[int] = []
        for batch in chunks(sis_ids):
            links = PersonSisId.objects.filter(organisation=self.org, sis_id__any=batch)
            pks.extend(links.values_list("person_id", flat=True))
        return pks

    def persons_for(self, sis_ids: Iterable[str]) -> dict[str, int]:
        """Look up the persons a page refers to: SIS id -> person pk, for those who may be referenced.

        R5: linked to this huvudman (imported by this run or an earlier one: a reference is never
        turned into a stub), not sealed, not protected in this run (by their record or by any
        reference's own marking: all noted before the apply) and not rejected by it.
        """
        blocked = self.protected | self.rejected if self.rejected else self.protected
        found: dict[str, int] = {}
        for batch in chunks(sorted(set(sis_ids).difference(blocked))):
            rows = PersonSisId.objects.filter(organisation=self.org, sis_id__any=batch)
            found.update(_plain_rows(rows.values_list("sis_id", "person_id")))
        if self.sealed:
            sealed = self.sealed
            for sis_id in [sis_id for sis_id, pk in found.items() if pk in sealed]:
                del found[sis_id]
        return found

    def groups_for(self, sis_ids: Iterable[str]) -> dict[str, int]:
        """Look up the groups a page refers to: SIS id -> group pk (of this huvudman)."""
        found: dict[str, int] = {}
        for batch in chunks(sorted(set(sis_ids))):
            found.update(
                _plain_rows(Group.objects.filter(organisation=self.org, sis_id__any=batch).values_list("sis_id", "pk"))
            )
        return found

    def ref_ok(self, sis_id: str, entity: str, persons: dict[str, int]) -> int | None:
        """Return the person pk a reference may be turned into, or None (counted as skipped).

        `persons` is the page's lookup (`persons_for`): a person absent from it may not be referenced.
        """
        if sis_id in self.protected:
            self.counts[entity]["skipped"] += 1
            self.w.add(f"protected_reference:{entity}")
            return None
        pk = persons.get(sis_id)
        if pk is None:
            self.counts[entity]["skipped"] += 1
            self.w.add(f"dangling_reference:{entity}")
        return pk

    def _seal(self, pk: int) -> None:
        """Seal a person now protected (R5), through the one action that may; count who was not sealed yet."""
        self.sealed.add(pk)
        if person_seal(person=Person(pk=pk), reason="sis_security_marking", source="sis"):
            self.counts["persons"]["sealed"] += 1

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
        self.apply_placements()
        self.progress("memberships")
        self.apply_memberships()
        self.progress("duties")
        self.apply_duties()
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
        protected_pks = set(self.linked_pks(self.protected))
        # The persons linked here who are sealed already (few): never referenced (R5).
        for pk in PersonSisId.objects.filter(organisation=self.org, person__sealed_at__isnull=False).values_list(
            "person_id", flat=True
        ):
            self.sealed.add(pk)
        for pk in sorted(protected_pks):
            self._seal(pk)  # counted only when the person was not sealed already

        # Civic numbers this run gave more than one answer (Staging.shared_civics) -> claimed already.
        self._claimed: set[str] = set()
        self._sealed_skipped = 0
        with loading(Person, PersonSisId, *(model for _attr, model, _fields in CONTACT_KINDS)), index_lookups():
            done, total = 0, self.s.fetched.get("persons", 0)
            for page in self.s.person_pages():
                self._apply_person_page(page)
                done += len(page)
                self.progress(f"persons {done}/{max(done, total)}")
        if self._sealed_skipped:
            self.w.add("sealed_person_not_updated")

    def _apply_person_page(self, page: list[StagedPerson]) -> None:
        counts = self.counts["persons"]
        # pk -> (civic number, sealed_at, hash of PERSON_FIELDS, stored digest): see _stored.
        links: dict[str, int] = {}
        rows: dict[int, tuple] = {}
        if self._has_links:
            # The page's links, then their persons: two index lookups (one join of the two was
            # planned as a hash join over the whole person table, 5-10 times slower).
            linked = PersonSisId.objects.filter(organisation=self.org, sis_id__any=sorted(p.sis_id for p in page))
            links = dict(_plain_rows(linked.values_list("sis_id", "person_id")))
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

        shared, claimed, protected_civics = self.s.shared_civics, self._claimed, self.s.protected_civics
        to_create: list[tuple[StagedPerson, int]] = []
        to_link: list[tuple[int, int, str]] = []
        to_update: list[Person] = []
        new_digests: list[tuple[int, int]] = []  # (pk, digest): fields unchanged, contacts to compare
        here: dict[str, int] = {}  # SIS id -> pk of the persons of this page who may be referenced
        unchanged: set[int] = set()  # persons whose record is the one last applied (same digest)
        for staged in page:
            if staged.sis_id in self.protected or staged.civic_number in protected_civics:
                # R5. A protected record's civic number protects whoever carries it, under any SIS id.
                self.protected.add(staged.sis_id)
                counts["skipped"] += 1
                self.w.add("protected_identity")
                pk = links.get(staged.sis_id)
                if pk is None:
                    pk = owner.get(staged.civic_number) if staged.civic_number else None
                elif staged.sis_id in self.s.protected or rows.get(pk, (None, "gone"))[1] is not None:
                    pk = None  # sealed already (at the start of the step, or before this run), or gone
                if pk is not None:
                    self._seal(pk)
                continue
            if staged.fields is None:
                counts["skipped"] += 1
                self.rejected.add(staged.sis_id)
                continue
            civic_number = staged.fields[3]
            if civic_number and civic_number in shared:  # another answer may claim it: the first one keeps it
                if civic_number in claimed:
                    counts["skipped"] += 1
                    self.w.add("duplicate_civic_number")
                    self.rejected.add(staged.sis_id)
                    continue
                claimed.add(civic_number)
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
        self._apply_contacts(page, {sis_id: pk for sis_id, pk in here.items() if pk not in unchanged}, set(new_ids))
        # Guardianships need every person written first (a guardian may come on a later page):
        # each child's responsibles wait in the spool, as (child pk, [(SIS id, relation), ...]).
        responsibles = [
            (here[staged.sis_id], staged.responsibles)
            for staged in page
            if staged.responsibles is not None and staged.sis_id in here
        ]
        self.s.spool.add("responsibles", responsibles)

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
        with loading(Guardianship), index_lookups():
            for page in self.s.spool.pages("responsibles"):
                persons = self.persons_for(sis_id for _child, responsibles in page for sis_id, _ in responsibles)
                desired: set[tuple[int, int, str]] = set()
                scope: set[int] = set()
                for child_pk, responsibles in page:
                    scope.add(child_pk)
                    for sis_id, relation in responsibles:
                        responsible_pk = self.ref_ok(sis_id, "guardianships", persons)
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
            stale = self._guardianships_of_unreferenceable_children()
            for batch in chunks(stale):
                Guardianship.objects.filter(pk__in=batch).delete()
            counts["ended"] += len(stale)

    def _guardianships_of_unreferenceable_children(self) -> list[int]:
        """The guardianships here whose child may not be referenced (no usable link, R5); few.

        A child may be referenced through a link to this huvudman that is neither protected nor
        rejected by this run, to a person who is not sealed. The database finds the children with
        no unsealed link at all; the few links to protected or rejected SIS ids are checked here.
        """
        usable = PersonSisId.objects.filter(
            organisation=self.org, person_id=OuterRef("child_id"), person__sealed_at__isnull=True
        )
        here = Guardianship.objects.filter(organisation=self.org)
        stale = set(here.exclude(Exists(usable)).values_list("pk", flat=True))
        blocked = self.protected | self.rejected
        for batch in chunks(set(self.linked_pks(blocked))):
            usable_pks = {
                pk
                for sis_id, pk in PersonSisId.objects.filter(
                    organisation=self.org, person_id__any=batch, person__sealed_at__isnull=True
                ).values_list("sis_id", "person_id")
                if sis_id not in blocked
            }
            unusable = [pk for pk in batch if pk not in usable_pks]
            for part in chunks(unusable):
                stale.update(here.filter(child_id__any=part).values_list("pk", flat=True))
        return sorted(stale)

    # -- groups ---------------------------------------------------------------------------

    def apply_groups(self) -> None:
        """Upsert groups a page at a time; end those the SIS deleted, skipped or (full run) no longer returns."""
        counts = self.counts["groups"]
        qs = Group.objects.filter(organisation=self.org, sis_id__isnull=False)
        had_rows = qs.exists()
        seen = PkSet()  # groups this run answered for: found stored, or created
        gone = self.gone_groups
        with index_lookups():
            for page in self.s.pages("groups"):
                existing = _stored_for(qs, page, ("pk", "school_unit_id", *GROUP_FIELDS)) if had_rows else {}
                to_create, to_update = [], []
                for staged in page:
                    row = existing.get(staged.sis_id)
                    if row is not None:
                        seen.add(row[0])
                    unit_pk = self.org_ids.get(staged.unit_sis_id)
                    if unit_pk is None:
                        counts["skipped"] += 1
                        self.w.add("dangling_reference:Group.organisation")
                        if row is not None:
                            gone.add(row[0])
                        continue
                    values = dict(zip(GROUP_FIELDS, staged.fields, strict=True))
                    if row is None:
                        to_create.append(
                            Group(
                                organisation=self.org,
                                sis_id=staged.sis_id,
                                school_unit_id=unit_pk,
                                hidden_members=self.org.hidden_members_by_default,
                                **values,
                            )
                        )
                    elif tuple(row[1:]) != (unit_pk, *staged.fields):
                        to_update.append(Group(pk=row[0], school_unit_id=unit_pk, **values))
                Group.objects.bulk_create(to_create, batch_size=BATCH)
                for group in to_create:
                    seen.add(group.pk)
                Group.objects.bulk_update(to_update, ["school_unit", *GROUP_FIELDS], batch_size=UPDATE_BATCH)
                counts["created"] += len(to_create)
                counts["updated"] += len(to_update)
            for pk in self.groups_for(self.s.deleted.get("groups", ())).values():
                gone.add(pk)
            if self.s.full and had_rows:
                for pk in _unseen(qs, seen):
                    gone.add(pk)
        for batch in chunks(gone):
            self._end(Group.objects.filter(pk__in=batch), "groups")
            self._end(GroupMembership.objects.filter(group_id__in=batch), "memberships")
            self._end(DutyAssignment.objects.filter(group_id__in=batch), "assignments")

    # -- placements -----------------------------------------------------------------------

    def apply_placements(self) -> None:
        """Upsert placements a page at a time; end those deleted, skipped or (full run) no longer returned.

        Notes for the memberships step which placement rows this run staged and ended, and, in a
        delta, the memberships that the old values of changed or ended rows implied.
        """
        counts = self.counts["placements"]
        qs = Placement.objects.filter(organisation=self.org, sis_id__isnull=False)
        had_rows = qs.exists()
        staged_pks = self.staged_placements
        gone_rows: list[tuple] = []  # (pk, group, child, start) of rows to end, ended CHUNK at a time
        with loading(Placement), index_lookups():
            for page in self.s.pages("placements"):
                persons = self.persons_for(staged.child.sis_id for staged in page)
                groups = self.groups_for(staged.group_sis_id for staged in page if staged.group_sis_id)
                existing = _stored_for(qs, page, ("pk", *PLACEMENT_FIELDS)) if had_rows else {}
                to_create, to_update = [], []
                for staged in page:
                    row = existing.get(staged.sis_id)
                    if row is not None:
                        staged_pks.add(row[0])
                    wanted = self._placement_values(staged, persons, groups)
                    if wanted is None:
                        if row is not None:
                            gone_rows.append((row[0], row[3], row[1], row[5]))
                            self._end_placements(gone_rows, CHUNK)
                        continue
                    if row is None:
                        to_create.append((self.org.pk, staged.sis_id, *wanted))
                    elif tuple(row[1:]) != wanted:
                        to_update.append(Placement(pk=row[0], **dict(zip(PLACEMENT_FIELDS, wanted, strict=True))))
                        self._note_old_placement((row[0], row[3], row[1], row[5]))
                    if not self.s.full and wanted[2] is not None:
                        self.touched_groups.add(wanted[2])
                for pk in insert(Placement, ("organisation_id", "sis_id", *PLACEMENT_FIELDS), to_create, want_ids=True):
                    staged_pks.add(pk)
                Placement.objects.bulk_update(
                    to_update, [f.removesuffix("_id") for f in PLACEMENT_FIELDS], batch_size=UPDATE_BATCH
                )
                counts["created"] += len(to_create)
                counts["updated"] += len(to_update)
            fields = ("pk", "group_id", "child_id", "start_date")
            for batch in chunks(self.s.deleted.get("placements", ())):
                gone_rows.extend(qs.filter(sis_id__any=batch).values_list(*fields))
                self._end_placements(gone_rows, CHUNK)
        self._end_placements(gone_rows, 0)
        if self.s.full and had_rows:
            # What the SIS no longer returns: ended after the reading (a delta's notes are not needed).
            unseen = PkSet(_unseen(qs, staged_pks))
            for pk in unseen:
                self.gone_placements.add(pk)
            self._end_pks(Placement, unseen, "placements")

    def _end_placements(self, rows: list[tuple], at_least: int) -> None:
        """End the placement rows (pk, group, child, start) gathered, once there are `at_least`; empty the list."""
        if not rows or len(rows) < at_least:
            return
        for row in rows:
            self.gone_placements.add(row[0])
            self._note_old_placement(row)
        self._end_pks(Placement, [row[0] for row in rows], "placements")
        rows.clear()

    def _placement_values(
        self, staged: StagedPlacement, persons: dict[str, int], groups: dict[str, int]
    ) -> tuple | None:
        """The PLACEMENT_FIELDS a staged placement asks for, or None when it may not be stored (counted)."""
        found = self._person_at_unit(
            staged.child.sis_id, staged.unit_sis_id, "placements", "Placement.placedAt", persons
        )
        if found is None:
            return None
        child_pk, unit_pk = found
        group_pk = groups.get(staged.group_sis_id) if staged.group_sis_id else None
        if staged.group_sis_id and group_pk is None:
            self.w.add("dangling_reference:Placement.group")
        return (child_pk, unit_pk, group_pk, staged.school_type, staged.start_date, staged.end_date)

    def _person_at_unit(
        self, person_sis_id: str, unit_sis_id: str, entity: str, unit_field: str, persons: dict[str, int]
    ) -> tuple[int, int] | None:
        """The person and the unit a placement or a duty names, or None when either may not be used (counted)."""
        person_pk = self.ref_ok(person_sis_id, entity, persons)
        unit_pk = self.org_ids.get(unit_sis_id)
        if unit_pk is None and person_pk is not None:
            self.counts[entity]["skipped"] += 1
            self.w.add(f"dangling_reference:{unit_field}")
        if person_pk is None or unit_pk is None:
            return None
        return person_pk, unit_pk

    def _note_old_placement(self, row: tuple) -> None:
        """In a delta, remember the membership a changed or ended placement row (pk, group, child, start) implied."""
        if not self.s.full and row[1] is not None:
            self.derived_old.add((row[1], row[2], row[3]))
            self.touched_groups.add(row[1])

    # -- memberships ----------------------------------------------------------------------

    def apply_memberships(self) -> None:
        """Memberships from the groups' member lists and from the placements, a page of groups at a time.

        First the groups whose members the SIS listed (a full list: what it leaves out ends), then
        the groups whose memberships come only from placements: in a full run every other group
        here, in a delta those whose placements changed.
        """
        done = PkSet()
        had_rows = GroupMembership.objects.filter(organisation=self.org).exists()
        with loading(GroupMembership), index_lookups():
            # Groups a few hundred at a time: each brings its members and its placements (≈ 20 each).
            for page in (part for whole in self.s.pages("groups") for part in chunks(whole, GROUP_BATCH)):
                pks = self.groups_for(g.sis_id for g in page if g.memberships is not None)
                listed = [(staged, pks[staged.sis_id]) for staged in page if staged.sis_id in pks]
                listed = [(staged, pk) for staged, pk in listed if pk not in self.gone_groups]
                persons = self.persons_for(ref.sis_id for staged, _pk in listed for ref, _s, _e in staged.memberships)
                desired: dict[MembershipKey, dt.date | None] = {}
                for staged, group_pk in listed:
                    done.add(group_pk)
                    group_start, group_end = staged.fields[3], staged.fields[4]
                    for ref, start, end in staged.memberships:
                        person_pk = self.ref_ok(ref.sis_id, "memberships", persons)
                        if person_pk is None:
                            continue
                        start = start or group_start
                        end = end if end is not None else group_end
                        if end is not None and end < start:
                            end = start
                        desired[(group_pk, person_pk, start)] = end
                self._reconcile_memberships([pk for _staged, pk in listed], desired, listed=True, had_rows=had_rows)
            if self.s.full:
                rest: Iterable[int] = Group.objects.filter(organisation=self.org).values_list("pk", flat=True)
            else:
                rest = list(self.touched_groups)
            for batch in chunks(pk for pk in rest if pk not in done):
                self._reconcile_memberships(batch, {}, listed=False, had_rows=had_rows)

    def _reconcile_memberships(
        self, groups: list[int], desired: dict[MembershipKey, dt.date | None], *, listed: bool, had_rows: bool
    ) -> None:
        """Make the memberships of these groups what the SIS says: `desired` plus what their placements imply.

        `listed`: the SIS listed these groups' members, so a stored membership it left out ends
        (in a full run, one not desired ends in any group; in a delta, one whose placement changed).
        """
        if not groups:
            return
        counts = self.counts["memberships"]
        keep: set[MembershipKey] = set()
        # The access policy reads group membership, so a placement in a group is one too: the
        # placements this run stored (and did not end) give memberships; in a delta, the memberships
        # of placements it did not touch stay as they are.
        implied: dict[MembershipKey, dt.date | None] = {}
        placements = Placement.objects.filter(organisation=self.org, group_id__any=groups).order_by("pk")
        for pk, group_pk, child_pk, start, end in placements.values_list(
            "pk", "group_id", "child_id", "start_date", "end_date"
        ):
            if pk in self.staged_placements:
                if pk not in self.gone_placements and group_pk not in self.gone_groups:
                    implied[(group_pk, child_pk, start)] = end
            elif listed and not self.s.full:
                keep.add((group_pk, child_pk, start))
        for key, end in implied.items():
            desired.setdefault(key, end)
        existing: dict[MembershipKey, tuple[int, dt.date | None]] = {}
        to_end: list[int] = []
        if had_rows:
            rows = GroupMembership.objects.filter(organisation=self.org, group_id__any=groups)
            for row in rows.values_list("group_id", "person_id", "start_date", "pk", "end_date"):
                key = row[:3]
                if key in existing:
                    to_end.append(row[3])  # a duplicate of a stored membership
                else:
                    existing[key] = (row[3], row[4])
        to_create, to_update = [], []
        for key, end in desired.items():
            current = existing.get(key)
            if current is None:
                to_create.append((self.org.pk, *key, end))
            elif current[1] != end:
                to_update.append(GroupMembership(pk=current[0], end_date=end))
        for key, (pk, _end) in existing.items():
            if key in desired or key in keep:
                continue
            if self.s.full or listed or key in self.derived_old:
                to_end.append(pk)
        insert(GroupMembership, ("organisation_id", "group_id", "person_id", "start_date", "end_date"), to_create)
        GroupMembership.objects.bulk_update(to_update, ["end_date"], batch_size=UPDATE_BATCH)
        counts["created"] += len(to_create)
        counts["updated"] += len(to_update)
        self._end_pks(GroupMembership, to_end, "memberships")

    # -- duties ---------------------------------------------------------------------------

    def apply_duties(self) -> None:
        """Upsert duties and their group assignments a page at a time; end what the SIS no longer has."""
        counts = self.counts["duties"]
        qs = Duty.objects.filter(organisation=self.org, sis_id__isnull=False)
        had_rows = qs.exists()
        had_assignments = DutyAssignment.objects.filter(duty__organisation=self.org).exists()
        seen = PkSet()  # duties this run answered for: found stored, or created
        gone = PkSet()  # deleted, skipped, or (full run) no longer returned
        done = PkSet()  # duties whose assignments were compared
        with loading(Duty, DutyAssignment), index_lookups():
            for batch in chunks(self.s.deleted.get("duties", ())):
                for pk in qs.filter(sis_id__any=batch).values_list("pk", flat=True):
                    gone.add(pk)
            for page in self.s.pages("duties"):
                persons = self.persons_for(staged.person.sis_id for staged in page)
                existing = _stored_for(qs, page, ("pk", *DUTY_FIELDS)) if had_rows else {}
                to_create, to_update, page_pks = [], [], {}
                for staged in page:
                    row = existing.get(staged.sis_id)
                    if row is not None:
                        seen.add(row[0])
                        page_pks[staged.sis_id] = row[0]
                    wanted = self._duty_values(staged, persons)
                    if wanted is None:
                        if row is not None:
                            gone.add(row[0])
                        continue
                    if row is None:
                        to_create.append((self.org.pk, staged.sis_id, *wanted))
                    elif tuple(row[1:]) != wanted:
                        to_update.append(Duty(pk=row[0], **dict(zip(DUTY_FIELDS, wanted, strict=True))))
                new_ids = insert(Duty, ("organisation_id", "sis_id", *DUTY_FIELDS), to_create, want_ids=True)
                Duty.objects.bulk_update(
                    to_update, [f.removesuffix("_id") for f in DUTY_FIELDS], batch_size=UPDATE_BATCH
                )
                counts["created"] += len(to_create)
                counts["updated"] += len(to_update)
                for row, pk in zip(to_create, new_ids, strict=True):
                    page_pks[row[1]] = pk
                    seen.add(pk)
                self._reconcile_assignments(page, page_pks, gone, had_rows=had_assignments)
                for pk in page_pks.values():
                    done.add(pk)
            if self.s.full and had_rows:
                for pk in _unseen(qs, seen):
                    gone.add(pk)
        self._end_pks(Duty, gone, "duties")
        for batch in chunks(gone):
            self._end(DutyAssignment.objects.filter(duty_id__in=batch), "assignments")
        if self.s.full and had_assignments:
            # A full run also ends the assignments of every duty here that no page had.
            rest = DutyAssignment.objects.filter(duty__organisation=self.org).values_list("pk", "duty_id")
            others = PkSet(pk for pk, duty_pk in rest.iterator(chunk_size=CHUNK) if duty_pk not in done)
            self._end_pks(DutyAssignment, others, "assignments")

    def _duty_values(self, staged: StagedDuty, persons: dict[str, int]) -> tuple | None:
        """The DUTY_FIELDS a staged duty asks for, or None when it may not be stored (counted)."""
        found = self._person_at_unit(staged.person.sis_id, staged.unit_sis_id, "duties", "Duty.dutyAt", persons)
        if found is None:
            return None
        person_pk, unit_pk = found
        return (person_pk, unit_pk, staged.duty_role, staged.signature, staged.start_date, staged.end_date)

    def _reconcile_assignments(
        self, page: list[StagedDuty], duty_pks: dict[str, int], gone: PkSet, *, had_rows: bool
    ) -> None:
        """Make the group assignments of a page's duties what the SIS says (a full run: of every duty of the page)."""
        counts = self.counts["assignments"]
        groups = self.groups_for(
            group_sis for staged in page if staged.assignments for group_sis, _role, _s, _e in staged.assignments
        )
        desired: dict[tuple[int, int, str, dt.date], dt.date | None] = {}
        scope: list[int] = []
        for staged in page:
            duty_pk = duty_pks.get(staged.sis_id)
            if duty_pk is None or duty_pk in gone or staged.assignments is None:
                continue
            scope.append(duty_pk)
            for group_sis, role_type, start, end in staged.assignments:
                group_pk = groups.get(group_sis)
                if group_pk is None or group_pk in self.gone_groups:
                    counts["skipped"] += 1
                    self.w.add("dangling_reference:Duty.assignmentRole.group")
                    continue
                start = start or staged.start_date
                end = end if end is not None else staged.end_date
                if end is not None and end < start:
                    end = start
                desired[(duty_pk, group_pk, role_type, start)] = end
        compared = list(duty_pks.values()) if self.s.full else scope
        existing: dict[tuple, tuple[int, dt.date | None]] = {}
        to_end: list[int] = []
        if had_rows and compared:
            rows = DutyAssignment.objects.filter(duty_id__any=compared).values_list(
                "duty_id", "group_id", "assignment_role_type", "start_date", "pk", "end_date"
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
        to_end.extend(pk for key, (pk, _end) in existing.items() if key not in desired)
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
        pks = self.linked_pks(deleted)
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
