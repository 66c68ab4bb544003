"""The apply's relationship steps (folja.sis.apply): groups, placements, group memberships, duties
and their group assignments, each compared with what is stored and ended rather than deleted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from folja.core.db import index_lookups
from folja.directory.models import (
    Duty,
    DutyAssignment,
    Group,
    GroupMembership,
    Placement,
)
from folja.sis.apply_base import (
    BATCH,
    DUTY_FIELDS,
    GROUP_BATCH,
    GROUP_FIELDS,
    PLACEMENT_FIELDS,
    UPDATE_BATCH,
    MembershipKey,
    _stored_for,
    _unseen,
)
from folja.sis.bulk import CHUNK, chunks, insert, loading
from folja.sis.mapping import (
    StagedDuty,
    StagedPlacement,
)
from folja.sis.staging import PkSet


class RelationSteps:
    """Mixed into `Applier`: the steps that write groups, placements, memberships and duties."""

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
