"""The staging between fetch and apply: pages spooled to disk, what must be known noted on the way."""

from __future__ import annotations

import datetime as dt
import os

from folja.sis.apply import Staging
from folja.sis.mapping import Warnings, stage_person
from folja.sis.spool import Spool
from folja.testing.cast import civic_number

TODAY = dt.date(2026, 11, 28)


def person(sis_id: str, given: str = "Alva", marking: object = "Ingen", **extra) -> dict:
    item = {"id": sis_id, "givenName": given, "familyName": "Ek", "securityMarking": marking, **extra}
    if marking is None:
        del item["securityMarking"]
    return item


def test_spool_gives_back_each_listing_in_order_and_frees_its_file_when_closed():
    spool = Spool()
    spool.add("persons", [{"id": "a"}, {"id": "b"}])
    spool.add("groups", [{"id": "g"}])
    spool.add("persons", [{"id": "å", "name": "Åsa"}])
    assert list(spool.pages("persons")) == [[{"id": "a"}, {"id": "b"}], [{"id": "å", "name": "Åsa"}]]
    assert list(spool.pages("groups")) == [[{"id": "g"}]]
    assert list(spool.pages("duties")) == []
    assert spool.items["persons"] == 3 and spool.size > 0
    fd = spool._file.fileno()
    assert os.fstat(fd).st_nlink == 0  # never had a name another process could open
    spool.close()
    assert spool._file.closed


def test_a_person_answered_twice_is_staged_once_with_the_later_answer_across_pages():
    staging = Staging(full=False, today=TODAY)
    staging.add_page("persons", [person("p1", "Först"), person("p2")])
    staging.add_page("persons", [person("p3"), person("p1", "Sedan")])
    staged = [p for page in staging.person_pages() for p in page]
    assert [(p.sis_id, p.fields[0]) for p in staged] == [("p2", "Alva"), ("p3", "Alva"), ("p1", "Sedan")]
    assert staging.fetched["persons"] == 3
    assert staging.person_ids == {"p1", "p2", "p3"}
    staging.close()


def test_persons_are_staged_as_they_arrive_and_come_back_from_the_spool_unchanged():
    staging = Staging(full=True, today=TODAY)
    item = person(
        "c1",
        civicNo={"value": civic_number(dt.date(2015, 1, 1), 238)},
        birthDate="2015-01-01",
        emails=[{"value": "b@example.se", "type": "Privat"}, {"value": "a@example.se", "type": "Privat"}],
        responsibles=[
            {"person": {"id": "g1"}, "relationType": "Vårdnadshavare"},
            {"person": {"id": "g2", "securityMarking": "Ingen"}, "relationType": "Annan ansvarig"},
            {"person": {"id": "g3"}},  # no relation type: left out (and warned about)
        ],
    )
    expected = stage_person(dict(item), Warnings(), TODAY)
    staging.add_page("persons", [item])
    [[staged]] = list(staging.person_pages())
    assert staged == expected and type(staged) is type(expected)
    assert staged.responsibles == (("g1", "Vårdnadshavare"), ("g2", "Annan ansvarig"))
    assert staged.emails == (("a@example.se", "Privat"), ("b@example.se", "Privat"))
    assert staged.fields[3] == civic_number(dt.date(2015, 1, 1), 238) and staged.fields[4] == dt.date(2015, 1, 1)
    assert staging.warnings["missing:Person.responsibles.relationType"] == 1
    staging.close()


def test_protection_is_known_before_the_apply_whichever_page_or_listing_carries_it():
    staging = Staging(full=True, today=TODAY)
    staging.add_page(
        "persons",
        [
            person("ingen"),
            person("no-marking", marking=None),
            person("odd-marking", marking={"value": "Ingen"}),
            person("unknown", marking="Hemlig"),
            person("child", responsibles=[{"person": {"id": "guardian", "securityMarking": "Sekretessmarkering"}}]),
            person("guardian"),
            # An entry left out of the guardianships (no relation type) still carries its marking.
            person("child2", responsibles=[{"person": {"id": "other", "securityMarking": "Sekretessmarkering"}}]),
            person("other"),
            person("placed"),
            person("member"),
            person("staff"),
        ],
    )
    # References in listings that arrive after the persons: each carries its own marking.
    staging.add_page(
        "placements", [{"id": "pl", "child": {"id": "placed", "securityMarking": "Skyddad folkbokföring"}}]
    )
    staging.add_page(
        "groups", [{"id": "g", "groupMemberships": [{"person": {"id": "member", "securityMarking": "X"}}]}]
    )
    staging.add_page("duties", [{"id": "d", "person": {"id": "staff", "securityMarking": "Ingen"}}])
    assert staging.protected == {"no-marking", "odd-marking", "unknown", "guardian", "other", "placed", "member"}
    # A full run notes no references (only a delta needs them, to look up persons it did not send).
    assert staging.referenced == set() and staging.person_ids == set()
    staging.close()


def test_relation_listings_are_staged_when_first_asked_for_and_can_be_released():
    staging = Staging(full=True, today=TODAY)
    page = [
        {"id": "pl1", "child": {"id": "c1"}, "placedAt": {"id": "u"}, "startDate": "2026-08-01"},
        {"id": "pl2", "child": {"id": "c2"}, "placedAt": {"id": "u"}, "startDate": "2026-08-01"},
    ]
    staging.add_page("placements", page)
    staging.add_page(
        "placements", [{"id": "pl1", "child": {"id": "c1"}, "placedAt": {"id": "u"}, "startDate": "2026-09-01"}]
    )
    assert staging.placements["pl1"].start_date == dt.date(2026, 9, 1)  # the later answer wins
    assert set(staging.placements) == {"pl1", "pl2"} and staging.fetched["placements"] == 2
    staging.release("placements")
    assert "placements" not in staging._staged
    assert set(staging.placements) == {"pl1", "pl2"}  # staged again from the spool when asked for
    staging.close()
