"""A synthetic municipality in the shape of SS 12000 v2.1, generated lazily from a seed.

Every entity is computed from its index on demand, so a 150,000-child municipality costs no
memory until a page is asked for. Tests change the world through small hooks (`touch`,
`replace`, `add`, `delete`), each of which bumps the entity's `meta.modified` so deltas see it.
All names and civic numbers are synthetic (valid check digits, dates that belong to no one in
particular); nothing here is personal data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from folja.directory.civic import luhn_digit

KINDS = {"organisations": 1, "persons": 2, "groups": 3, "placements": 4, "duties": 5}
ENTITY_TYPE = {
    "organisations": "Organisation",
    "persons": "Person",
    "groups": "Group",
    "placements": "Placement",
    "duties": "Duty",
}
GIVEN = ["Alva", "Elsa", "Maja", "Saga", "Ella", "Noah", "Hugo", "William", "Liam", "Nils", "Ebba", "Leo", "Sara"]
FAMILY = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson"]
CHILDREN_PER_UNIT = 60
CHILDREN_PER_GROUP = 20
STAFF_PER_UNIT = 6


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeWorld:
    """The data one fake SIS serves, with hooks for tests."""

    def __init__(
        self, *, children: int = 60, seed: int = 1, protected_every: int = 500, newcomers_every: int = 0
    ) -> None:
        self.seed = seed
        # Every n-th child (0: none) is newly arrived: a temporary number (TF), a first guardian with
        # a temporary number of the T123 form and a second with a samordningsnummer; the child
        # before it has a Region Stockholm reserve number (see folja.directory.civic).
        self.newcomers_every = newcomers_every
        self.n_children = children
        self.n_guardians = (children // 3) * 5 + (0, 2, 4)[children % 3]
        self.n_units = max(1, -(-children // CHILDREN_PER_UNIT))
        self.n_groups = max(1, -(-children // CHILDREN_PER_GROUP))
        self.n_staff = self.n_units * STAFF_PER_UNIT
        self.n_persons = self.n_children + self.n_guardians + self.n_staff
        self.protected_every = protected_every
        self.base_time = dt.datetime(2026, 1, 1, 6, 0, tzinfo=dt.UTC)
        self.clock = dt.datetime(2026, 1, 2, 6, 0, tzinfo=dt.UTC)
        # kind -> index -> (modified, patch or replacement function)
        self.changes: dict[str, dict[int, tuple[dt.datetime, Callable[[dict[str, Any]], dict[str, Any]]]]] = {
            kind: {} for kind in KINDS
        }
        self.extra: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
        self.removed: dict[str, set[int]] = {kind: set() for kind in KINDS}
        self.deletions: list[tuple[dt.datetime, str, str]] = []
        # Bumped by every hook; with `removed` it tells the server when its cached pages are stale.
        self.version = 0

    # -- ids ------------------------------------------------------------------------------

    def id(self, kind: str, index: int) -> str:
        """Return the stable SIS id of an entity."""
        return str(uuid.UUID(int=(self.seed % 2**40) << 80 | KINDS[kind] << 48 | index, version=4))

    def index_of(self, kind: str, sis_id: str) -> int | None:
        """Return the index behind an id this world generated, or None."""
        try:
            value = uuid.UUID(sis_id).int
        except ValueError:
            return None
        return value & (2**48 - 1) if (value >> 48) & 0xFF == KINDS[kind] else None

    def count(self, kind: str) -> int:
        """Return how many generated entities of a kind exist (extras not included)."""
        return {
            "organisations": 2 + self.n_units,
            "persons": self.n_persons,
            "groups": self.n_groups,
            "placements": self.n_children,
            "duties": self.n_staff,
        }[kind]

    # -- hooks for tests ------------------------------------------------------------------

    def tick(self) -> dt.datetime:
        """Advance the SIS clock a minute and return it (used as the modified time of a change)."""
        self.version += 1
        self.clock += dt.timedelta(minutes=1)
        return self.clock

    def touch(self, kind: str, index: int, patch: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        """Change an entity (a dict to merge, or a function returning the new entity) and bump its modified time."""
        func = patch if callable(patch) else (lambda item, patch=patch: {**item, **patch})
        previous = self.changes[kind].get(index)
        if previous is not None:
            earlier = previous[1]
            func = lambda item, a=earlier, b=func: b(a(item))  # noqa: E731
        self.changes[kind][index] = (self.tick(), func)

    def add(self, kind: str, item: dict[str, Any]) -> None:
        """Serve an extra, hand-written entity after the generated ones (hostile test data)."""
        item.setdefault("meta", {"created": _stamp(self.tick()), "modified": _stamp(self.clock)})
        self.extra[kind].append(item)

    def delete(self, kind: str, index: int) -> None:
        """Stop serving an entity and report it through /deletedEntities."""
        self.removed[kind].add(index)
        self.deletions.append((self.tick(), ENTITY_TYPE[kind], self.id(kind, index)))

    # -- generation -----------------------------------------------------------------------

    def fingerprint(self) -> tuple:
        """Return a value that changes whenever what the world serves may have changed."""
        return (self.version, *(frozenset(self.removed[kind]) for kind in KINDS))

    def modified(self, kind: str, index: int) -> dt.datetime:
        change = self.changes[kind].get(index)
        return change[0] if change else self.base_time

    def entity(self, kind: str, index: int) -> dict[str, Any] | None:
        """Return entity `index` of a kind as the SIS would, or None when removed."""
        if index in self.removed[kind]:
            return None
        if index >= self.count(kind):
            extra_index = index - self.count(kind)
            return self.extra[kind][extra_index] if extra_index < len(self.extra[kind]) else None
        item = getattr(self, f"_{kind}")(index)
        change = self.changes[kind].get(index)
        if change:
            item = change[1](item)
            item["meta"] = {"created": _stamp(self.base_time), "modified": _stamp(change[0])}
        return item

    def _meta(self) -> dict[str, str]:
        stamp = _stamp(self.base_time)
        return {"created": stamp, "modified": stamp}

    def _organisations(self, index: int) -> dict[str, Any]:
        if index == 0:
            return {
                "id": self.id("organisations", 0),
                "meta": self._meta(),
                "displayName": f"Exempelby kommun {self.seed}",
                "organisationType": "Huvudman",
                "organisationNumber": "2120000000",
                "municipalityCode": "9999",
            }
        if index == 1:
            return {
                "id": self.id("organisations", 1),
                "meta": self._meta(),
                "displayName": "Förskoleförvaltningen",
                "organisationType": "Förvaltning",
                "parentOrganisation": {"id": self.id("organisations", 0)},
            }
        unit = index - 2
        return {
            "id": self.id("organisations", index),
            "meta": self._meta(),
            "displayName": f"Förskolan Solrosen {unit + 1}",
            "organisationType": "Skolenhet",
            "schoolUnitCode": f"{10000000 + unit}",
            "schoolTypes": ["FS"],
            "municipalityCode": "9999",
            "parentOrganisation": {"id": self.id("organisations", 1)},
            "address": {"streetAddress": f"Skolvägen {unit + 1}", "postalCode": "99999", "locality": "Exempelby"},
            "startDate": "2010-01-01",
        }

    def marking(self, person_index: int) -> str:
        """Return the security marking of a generated person (a few are protected)."""
        if person_index < self.n_children and person_index % self.protected_every == self.protected_every - 1:
            return "Skyddad folkbokföring"
        guardian = person_index - self.n_children
        if 0 <= guardian < self.n_guardians and guardian % (self.protected_every + 1) == self.protected_every:
            return "Sekretessmarkering"
        return "Ingen"

    def person_ref(self, person_index: int) -> dict[str, Any]:
        """Return a reference to a person, carrying the marking as the spec allows."""
        change = self.changes["persons"].get(person_index)
        marking = self.marking(person_index)
        if change:
            marking = change[1]({"securityMarking": marking}).get("securityMarking", marking)
        return {"id": self.id("persons", person_index), "securityMarking": marking}

    def guardians_of(self, child: int) -> list[int]:
        """Return the person indexes of a child's guardians (five guardians per three children)."""
        block, offset = divmod(child, 3)
        first = self.n_children + block * 5 + offset * 2
        return [first, first + 1] if offset < 2 else [first]

    def _civic(self, base: dt.date, number: int) -> str:
        day = base + dt.timedelta(days=number // 900)
        digits = f"{day:%y%m%d}{100 + number % 900:03d}"
        return f"{day:%Y%m%d}{digits[6:]}{luhn_digit(digits)}"

    def newcomer(self, child: int) -> bool:
        """Whether a child is newly arrived (see `newcomers_every`)."""
        return bool(self.newcomers_every) and child % self.newcomers_every == self.newcomers_every - 1

    def _other_form(self, index: int) -> str | None:
        """The civic number of another form than personnummer for a person, or None."""
        if not self.newcomers_every:
            return None
        if index < self.n_children:
            if self.newcomer(index):
                day = dt.date(2020, 1, 1) + dt.timedelta(days=index // 90)
                return f"{day:%Y%m%d}TF{index % 90 + 10:02d}"
            if self.newcomer(index + 1):
                nine = f"{index % 10**9:09d}"
                return f"99{nine}{luhn_digit(nine)}"
            return None
        if index >= self.n_children + self.n_guardians:
            return None
        number = index - self.n_children
        for child in range(max(0, (number // 5) * 3 - 3), min(self.n_children, (number // 5) * 3 + 6)):
            guardians = self.guardians_of(child)
            if self.newcomer(child) and index in guardians:
                day = dt.date(1985, 1, 1) + dt.timedelta(days=number // 900)
                if index == guardians[0]:
                    return f"{day:%Y%m%d}T{number % 900 + 100:03d}"
                digits = f"{day:%y%m}{day.day + 60:02d}{number % 900 + 100:03d}"
                return f"{day:%Y%m}{day.day + 60:02d}{digits[6:]}{luhn_digit(digits)}"
        return None

    def _persons(self, index: int) -> dict[str, Any]:
        other = self._other_form(index)
        if other is not None:
            civic = other
        elif index < self.n_children:
            civic = self._civic(dt.date(2020, 1, 1), index)
        elif index < self.n_children + self.n_guardians:
            civic = self._civic(dt.date(1975, 1, 1), index - self.n_children)
        else:
            civic = self._civic(dt.date(1960, 1, 1), index - self.n_children - self.n_guardians)
        item: dict[str, Any] = {
            "id": self.id("persons", index),
            "meta": self._meta(),
            "givenName": GIVEN[(index * 7 + self.seed) % len(GIVEN)],
            "familyName": FAMILY[(index * 11 + self.seed) % len(FAMILY)],
            "civicNo": {"value": civic, "nationality": "SE"},
            "sex": ("Kvinna", "Man")[index % 2],
            "securityMarking": self.marking(index),
            "personStatus": "Aktiv",
        }
        if index < self.n_children:
            item["responsibles"] = [
                {"person": self.person_ref(g), "relationType": "Vårdnadshavare"} for g in self.guardians_of(index)
            ]
            item["addresses"] = [
                {
                    "type": "Folkbokföring",
                    "streetAddress": f"Gatan {index % 97 + 1}",
                    "postalCode": "99999",
                    "locality": "Exempelby",
                    "country": "Sverige",
                }
            ]
        elif index < self.n_children + self.n_guardians:
            item["emails"] = [{"value": f"vh{index}@example.invalid", "type": "Privat"}]
            item["phoneNumbers"] = [{"value": f"070{index:07d}", "type": "Hem", "mobile": True}]
        else:
            item["emails"] = [{"value": f"personal{index}@example.invalid", "type": "Skola personal"}]
        return item

    def unit_id(self, unit: int) -> str:
        return self.id("organisations", unit + 2)

    def _groups(self, index: int) -> dict[str, Any]:
        unit = index * CHILDREN_PER_GROUP // CHILDREN_PER_UNIT
        first = index * CHILDREN_PER_GROUP
        return {
            "id": self.id("groups", index),
            "meta": self._meta(),
            "displayName": f"Avdelning {('Blå', 'Gul', 'Röd')[index % 3]} {unit + 1}",
            "groupType": "Avdelning",
            "schoolType": "FS",
            "organisation": {"id": self.unit_id(unit)},
            "startDate": "2025-08-01",
            "groupMemberships": [
                {"person": self.person_ref(child), "startDate": "2025-08-15"}
                for child in range(first, min(first + CHILDREN_PER_GROUP, self.n_children))
                if child not in self.removed["persons"]
            ],
        }

    def _placements(self, index: int) -> dict[str, Any]:
        return {
            "id": self.id("placements", index),
            "meta": self._meta(),
            "child": self.person_ref(index),
            "placedAt": {"id": self.unit_id(index // CHILDREN_PER_UNIT)},
            "group": {"id": self.id("groups", index // CHILDREN_PER_GROUP)},
            "schoolType": "FS",
            "startDate": "2025-08-15",
        }

    def _duties(self, index: int) -> dict[str, Any]:
        unit, slot = divmod(index, STAFF_PER_UNIT)
        person = self.n_children + self.n_guardians + index
        item: dict[str, Any] = {
            "id": self.id("duties", index),
            "meta": self._meta(),
            "person": self.person_ref(person),
            "dutyAt": {"id": self.unit_id(unit)},
            "dutyRole": "Förskolechef" if slot == 0 else ("Förskollärare" if slot < 3 else "Barnskötare"),
            "signature": f"P{index}",
            "startDate": "2024-08-01",
        }
        group = unit * 3 + slot % 3
        if slot and group < self.n_groups:
            item["assignmentRole"] = [
                {
                    "group": {"id": self.id("groups", group)},
                    "assignmentRoleType": "Förskollärare" if slot < 3 else "Barnskötare",
                    "startDate": "2025-08-01",
                }
            ]
        return item
