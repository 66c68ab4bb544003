"""The staging between fetch and apply: pages spooled to disk, what must be known noted on the way."""

from __future__ import annotations

import datetime as dt
import os

from folja.sis import staging as staging_module
from folja.sis.mapping import Warnings, stage_person
from folja.sis.spool import Spool
from folja.sis.staging import PkSet, Staging
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


def test_relation_listings_are_read_back_a_page_at_a_time_with_the_last_answer_only():
    staging = Staging(full=True, today=TODAY)
    page = [
        {"id": "pl1", "child": {"id": "c1"}, "placedAt": {"id": "u"}, "startDate": "2026-08-01"},
        {"id": "pl2", "child": {"id": "c2"}, "placedAt": {"id": "u"}, "startDate": "2026-08-01"},
        {"id": "pl3", "child": {"id": "c3"}, "placedAt": {"id": "u"}},  # no start date: left out
    ]
    staging.add_page("placements", page)
    staging.add_page(
        "placements", [{"id": "pl1", "child": {"id": "c1"}, "placedAt": {"id": "u"}, "startDate": "2026-09-01"}]
    )
    for _reading in range(2):  # the apply reads a listing as often as it needs to
        pages = list(staging.pages("placements"))
        assert [[p.sis_id for p in page] for page in pages] == [["pl2"], ["pl1"]]
        assert pages[1][0].start_date == dt.date(2026, 9, 1)  # the later answer wins
        assert staging.fetched["placements"] == 2
    assert staging.warnings["missing:Placement.required"] == 1  # counted on the first reading only
    staging.close()


def test_a_filter_that_says_maybe_to_everything_changes_nothing_but_its_notes(monkeypatch):
    """The run filter may answer "seen before" wrongly; the staging must come out exactly the same."""
    pages = [
        [person("p1", "Först", civicNo={"value": civic_number(dt.date(2015, 1, 1), 238)}), person("p2")],
        [person("p3", civicNo={"value": civic_number(dt.date(2016, 2, 2), 452)}), person("p1", "Sedan")],
        [person("p4", civicNo={"value": civic_number(dt.date(2016, 2, 2), 452)})],
    ]

    def staged(maybe: bool) -> tuple:
        if maybe:  # every key looks noted before, the worst the filter can do
            monkeypatch.setattr(staging_module.RunFilter, "note", lambda self, key: True)
        staging = Staging(full=True, today=TODAY)
        for page in pages:
            staging.add_page("persons", [dict(item) for item in page])
        staging.add_page("groups", [{"id": "g1"}, {"id": "g2"}])
        staging.add_page("groups", [{"id": "g1"}])
        kept = [[p.sis_id for p in page] for page in staging.person_pages()]
        groups = list(staging.pages("groups"))
        result = (kept, dict(staging.fetched), staging.superseded["persons"], staging.shared_civics, len(groups))
        staging.close()
        return result

    exact = staged(maybe=False)
    assert exact[0] == [["p2"], ["p3", "p1"], ["p4"]]
    assert exact[1]["persons"] == 4
    assert exact[2] == {"p1": 3}
    assert exact[3] == {civic_number(dt.date(2016, 2, 2), 452)}
    everything = staged(maybe=True)
    assert everything[0] == exact[0] and everything[1] == exact[1]
    assert set(everything[2]) == {"p1", "p2", "p3", "p4"} and everything[2]["p1"] == 3
    assert len(everything[3]) == 2 and everything[4] == exact[4]


def test_pk_set_is_exact_across_blocks():
    pks = [0, 7, 8, 65535, 65536, 10**9, 10**9 + 1]
    seen = PkSet(pks)
    seen.add(7)
    assert len(seen) == len(pks) and list(seen) == sorted(pks)
    assert all(pk in seen for pk in pks)
    assert not any(pk in seen for pk in (1, 6, 9, 65537, 10**9 - 1, 10**9 + 2))


def test_the_import_fixes_glibcs_mmap_threshold_where_there_is_glibc():
    import platform

    from folja.sis.sync import fix_mmap_threshold

    if platform.libc_ver()[0] != "glibc":
        assert fix_mmap_threshold() in (True, False)  # elsewhere nothing to fix, and no error
        return
    assert fix_mmap_threshold() is True
