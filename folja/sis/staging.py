"""What one import run has fetched, between the fetch and the apply, in memory that does not grow with the municipality.

Every page goes to a spool on disk as it arrives (`folja.sis.spool`); what the apply must know
before it writes anything is noted on the way. Nothing here holds one entry per person, group or
placement of the municipality: the apply reads the listings back one page at a time and looks up
what it needs in the database a page at a time. The notes that must cover the whole run are kept
in `RunFilter`, a bitmap of fixed size, and in small sets whose size is set by the run's own
oddities (protected persons, answers repeated), not by the number of children.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from folja.sis.mapping import (
    PersonRef,
    StagedOrganisation,
    StagedPerson,
    Warnings,
    marking_allows_import,
    person_ref,
    stage_duty,
    stage_group,
    stage_organisation,
    stage_person,
    stage_placement,
)
from folja.sis.spool import Spool

# Staged from the spool when the apply reads them: listing -> stage function.
_STAGERS = {
    "organisations": stage_organisation,
    "groups": stage_group,
    "placements": stage_placement,
    "duties": stage_duty,
}
# Mixed into the hash of a key so that one filter serves every listing and the civic numbers.
_SALTS = {
    "persons": 0,
    "organisations": 0x5A17_0001_9E37_79B9,
    "groups": 0x5A17_0002_7F4A_7C15,
    "placements": 0x5A17_0003_94D0_49BB,
    "duties": 0x5A17_0004_BF58_476D,
    "civic": 0x5A17_0005_2545_F491,
}
FILTER_BITS = 27  # 16 MB


class RunFilter:
    """Has this key been noted before in this run? A fixed-size bitmap of hashes, never a false "no".

    `note` answers False only for a key never noted before; a True can be wrong (another key with
    the same bits: about 0.5 % of keys at a million keys a run), so a True is only ever a reason to
    look closer, at a cost of one small dict or set entry. 2**FILTER_BITS bits: 16 MB, whatever the
    size of the municipality. Python's `hash` of a string is fixed within a process, which is all a
    run needs.
    """

    __slots__ = ("_bits", "_mask")

    def __init__(self, bits: int | None = None) -> None:
        bits = bits or FILTER_BITS
        self._bits = bytearray(1 << (bits - 3))
        self._mask = (1 << bits) - 1

    def note(self, key: int) -> bool:
        """Set the key's bit; return whether it was set already."""
        key &= self._mask
        index, bit = key >> 3, 1 << (key & 7)
        byte = self._bits[index]
        if byte & bit:
            return True
        self._bits[index] = byte | bit
        return False


class _AlreadyCounted(Warnings):
    """The warnings of a listing read again: counted and logged on its first reading already."""

    def add(self, code: str) -> None:
        pass


class PkSet:
    """An exact set of row ids (primary keys): one bit per id, in 8 KB blocks of 65,536 ids.

    For "which rows did this run see": 150,000 placement ids take about 20 KB, where a Python
    set of them takes about 8 MB.
    """

    __slots__ = ("_blocks", "_count")

    def __init__(self, pks: Iterable[int] = ()) -> None:
        self._blocks: dict[int, bytearray] = {}
        self._count = 0
        for pk in pks:
            self.add(pk)

    def add(self, pk: int) -> None:
        block = self._blocks.get(pk >> 16)
        if block is None:
            block = self._blocks[pk >> 16] = bytearray(8192)
        index, bit = (pk >> 3) & 8191, 1 << (pk & 7)
        if not block[index] & bit:
            block[index] |= bit
            self._count += 1

    def __contains__(self, pk: int) -> bool:
        block = self._blocks.get(pk >> 16)
        return block is not None and bool(block[(pk >> 3) & 8191] & (1 << (pk & 7)))

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[int]:
        for start, block in sorted(self._blocks.items()):
            base = start << 16
            for index, byte in enumerate(block):
                if byte:
                    for bit in range(8):
                        if byte & (1 << bit):
                            yield base + (index << 3) + bit


@dataclass
class Staging:
    """Everything fetched for one run, before anything is written.

    Every page goes to a spool on disk as it arrives (`add_page`), while the few things the apply
    must know before the first row is written are noted from it: who is protected (R5: by their
    own record or by any reference to them, in any listing), which entities were answered more
    than once, which civic numbers more than one person may claim, and, in a delta, which persons
    were referenced. Persons, the bulk of a municipality, are staged as their page arrives (while
    the fetch threads wait for the SIS) and spooled staged; the other listings are spooled as sent.
    The apply reads each listing back one page at a time (`person_pages`, `pages`), with only the
    last answer for an entity answered more than once; organisations (a few hundred) are staged
    whole (`organisations`).
    """

    full: bool
    today: dt.date = field(default_factory=dt.date.today)
    deleted: dict[str, set[str]] = field(default_factory=dict)
    warnings: Warnings = field(default_factory=Warnings)
    spool: Spool = field(default_factory=Spool)
    # SIS ids of persons whose record, or any reference to whom, carries a marking other than
    # "Ingen" (fail closed: a person record without a marking counts).
    protected: set[str] = field(default_factory=set)
    # Entities the filter may have seen before: listing -> SIS id -> position of its last answer
    # (the one that counts). Exact for every id in it; a few ids in it were answered only once.
    superseded: dict[str, dict[str, int]] = field(default_factory=dict)
    # The civic numbers of protected records: whoever carries one is protected too, whatever their SIS id.
    protected_civics: set[str] = field(default_factory=set)
    # Civic numbers that more than one answer may carry (as above: a superset of the real ones).
    shared_civics: set[str] = field(default_factory=set)
    # Only in a delta (small): the persons sent, and every person referenced.
    person_ids: set[str] = field(default_factory=set)
    referenced: set[str] = field(default_factory=set)
    # Distinct entities per listing, for the report: exact once the apply has read the listing.
    fetched: dict[str, int] = field(default_factory=lambda: {"persons": 0})
    _filter: RunFilter = field(default_factory=RunFilter, repr=False)
    _positions: Counter = field(default_factory=Counter, repr=False)
    _organisations: dict[str, StagedOrganisation] | None = field(default=None, repr=False)
    _read: set[str] = field(default_factory=set, repr=False)  # listings read back once already

    # -- while fetching ---------------------------------------------------------------------

    def add_page(self, name: str, page: list[dict[str, Any]]) -> None:
        """Note what the apply must know in advance from one page of a listing, then spool it.

        Persons are staged here, while the fetch threads wait for the SIS, and spooled staged;
        the other listings are spooled as the SIS sent them and staged when the apply reads them.
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
        note, salt, intern = self._filter.note, _SALTS[name], sys.intern
        later = self.superseded.setdefault(name, {})
        position = self._positions[name]
        for item in page:
            item_id = item["id"] = intern(item["id"])
            if note(hash(item_id) ^ salt):
                later[item_id] = position
            position += 1
        self._positions[name] = position
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
        protected, note, shared = self.protected, self._filter.note, self.shared_civics
        later = self.superseded.setdefault("persons", {})
        note_ref = self._note_ref
        warnings, today, intern = self.warnings, self.today, sys.intern
        civic_salt = _SALTS["civic"]
        delta = not self.full
        position = self._positions["persons"]
        staged_page = []
        refs: list[PersonRef] = []
        for item in page:
            item_id = item["id"] = intern(item["id"])
            if note(hash(item_id)):  # answered before, or only the same bits: see person_pages
                later[item_id] = position
            position += 1
            staged = stage_person(item, warnings, today, refs)
            if not marking_allows_import(staged.marking):  # missing, unknown or protective
                protected.add(item_id)
                if staged.civic_number:
                    self.protected_civics.add(staged.civic_number)
            elif staged.fields is not None and staged.fields[3] and note(hash(staged.fields[3]) ^ civic_salt):
                shared.add(staged.fields[3])
            if delta:
                self.person_ids.add(item_id)
            staged_page.append(staged)
        for ref in refs:  # every responsible's reference, with its own marking
            note_ref(ref)
        self._positions["persons"] = position
        self.fetched["persons"] = position  # answers so far; distinct persons once read back
        return staged_page

    # -- while applying ---------------------------------------------------------------------

    def _last_answers(self, name: str, pages: Iterable[list[Any]], key: Any) -> Iterator[list[Any]]:
        """Yield each page without the answers a later answer replaced; count the distinct entities."""
        later = self.superseded.get(name, {})
        repeats: Counter[str] = Counter()
        position = 0
        for page in pages:
            kept = []
            for record in page:
                sis_id = key(record)
                # An id in `later` counts only at its last position; any other id at every position.
                last = later.get(sis_id, position) if later else position
                if last == position:
                    kept.append(record)
                else:
                    repeats[sis_id] += 1
                position += 1
            yield kept
        self.fetched[name] = position - sum(repeats.values())

    def person_pages(self) -> Iterator[list[StagedPerson]]:
        """Yield the staged persons one spooled page at a time, without the answers a later answer replaced."""
        make = StagedPerson._make
        pages = ([make(record) for record in page] for page in self.spool.pages("persons"))
        return self._last_answers("persons", pages, _sis_id_of_tuple)

    def pages(self, name: str) -> Iterator[list[Any]]:
        """Yield a relationship listing staged one page at a time, last answers only, unusable entities left out.

        The apply reads a listing as often as it needs to; each reading stages its pages again,
        and only the first counts the warnings of staging.
        """
        stage = _STAGERS[name]
        warnings = self.warnings if name not in self._read else _AlreadyCounted()
        self._read.add(name)
        answers = self._last_answers(name, self.spool.pages(name), _id_of_item)
        usable = 0
        for page in answers:
            staged = [record for record in (stage(item, warnings) for item in page) if record is not None]
            usable += len(staged)
            yield staged
        self.fetched[name] = usable

    @property
    def organisations(self) -> dict[str, StagedOrganisation]:
        """The organisations (a few hundred units), staged whole on first use, last answer for each."""
        if self._organisations is None:
            self._organisations = {staged.sis_id: staged for page in self.pages("organisations") for staged in page}
        return self._organisations

    def referenced_person_ids(self) -> set[str]:
        """Return the SIS ids of every person referenced (noted in a delta only)."""
        return self.referenced

    def close(self) -> None:
        """Remove the spool."""
        self.spool.close()


def _sis_id_of_tuple(record: StagedPerson) -> str:
    return record[0]


def _id_of_item(item: dict[str, Any]) -> str:
    return item["id"]
