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
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from django.db.models import Q, QuerySet

from folja.directory.actions import person_seal
from folja.directory.models import (
    Group,
    Organisation,
    OrganisationType,
    Person,
    PersonSisId,
)
from folja.sis.apply_base import (
    BATCH,
    UPDATE_BATCH,
    MembershipKey,
    _plain_rows,
)
from folja.sis.apply_persons import PersonSteps
from folja.sis.apply_relations import RelationSteps
from folja.sis.bulk import chunks, lock_referenced_tables, settle_deferred_checks
from folja.sis.mapping import (
    ORGANISATION_FIELDS,
)
from folja.sis.staging import PkSet, Staging


class Applier(PersonSteps, RelationSteps):
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
