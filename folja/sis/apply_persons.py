"""The apply's person steps (folja.sis.apply): persons with their contact details and SIS ids,
protected identity sealed at once (R5), guardianships, and persons the SIS deleted."""

from __future__ import annotations

import itertools
import operator

from django.db.models import Exists, OuterRef, Q

from folja.core.db import index_lookups
from folja.directory import civic
from folja.directory.models import (
    Duty,
    DutyAssignment,
    GroupMembership,
    Guardianship,
    Person,
    PersonSisId,
    Placement,
)
from folja.sis.apply_base import (
    CONTACT_KINDS,
    PERSON_QUERY_FIELDS,
    UPDATE_BATCH,
    _plain_rows,
    _stored,
)
from folja.sis.bulk import chunks, insert, loading, set_values
from folja.sis.mapping import (
    PERSON_FIELDS,
    StagedPerson,
    person_digest,
)


def _without_civic_number(staged: StagedPerson) -> StagedPerson:
    """The staged person without their civic number (and its kind); the birth date stays."""
    fields = list(staged.fields)
    fields[PERSON_FIELDS.index("civic_number")] = None
    fields[PERSON_FIELDS.index("civic_number_kind")] = ""
    return staged._replace(fields=tuple(fields), civic_number=None)


class PersonSteps:
    """Mixed into `Applier`: the steps that write persons and guardianships."""

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
            if civic_number and staged.fields[8] == civic.TEMPORARY:
                # A temporary number is local to the register that issued it: it never links a record
                # to a person already here, and one that someone else carries (here or in this run)
                # is left out: the person is imported without it and the record reported by SIS id.
                taken = civic_number in owner and owner[civic_number] != links.get(staged.sis_id)
                if taken or (civic_number in shared and civic_number in claimed):
                    self.w.add_record("temporary_civic_number_taken", staged.sis_id)
                    staged = _without_civic_number(staged)
                    civic_number = None
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
