"""Lgr22 as data: the shipped file, the loader's versions, and the unit's school type choosing
which curriculum the composer and the coverage pages offer."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from folja.access.roles import Role
from folja.curriculum import offer
from folja.curriculum.loader import CurriculumFileError, load_curriculum_file, load_lgr22, load_lpfo18, load_shipped
from folja.curriculum.models import Curriculum, Goal
from folja.directory.models import Organisation, OrganisationType, Person
from folja.learninglog.models import Post, PostChild, PostGoal, PostKind, PostStatus
from folja.testing import sessions
from folja.testing.cast import Cast, build_cast

LGR22_FILE = Path(settings.FOLJA_CURRICULUM_DIR) / "lgr22.json"


def lgr22_data() -> dict[str, Any]:
    return json.loads(LGR22_FILE.read_text(encoding="utf-8"))


def write(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# --- The shipped file ---------------------------------------------------------------------------


def test_every_shipped_lgr22_goal_cites_its_sources_and_how_it_was_verified() -> None:
    data = lgr22_data()
    areas = {a["code"]: a for a in data["areas"]}
    ids = [g["id"] for g in data["goals"]]
    assert len(ids) == len(set(ids))
    for goal in data["goals"]:
        assert goal["id"].startswith(f"lgr22-{goal['area_code']}-")
        assert goal["area_code"] in areas
        assert goal["sources"] and all(s in data["sources"] for s in goal["sources"]), goal["id"]
        assert all(data["sources"][s]["url"].startswith("http") for s in goal["sources"])
        assert goal["cite"]["document"].endswith("Lgr22") and goal["cite"]["chapter"] and goal["cite"]["section"]
        # Two sources, or one that quotes the Lgr22 edition itself; nothing else is shipped.
        if goal["verification"] == "single-source":
            assert data["sources"][goal["sources"][0]]["edition"] == "Lgr22", goal["id"]
        else:
            assert goal["verification"] == "multi-source" and len(goal["sources"]) >= 2, goal["id"]
        # Stored without the list punctuation of the source.
        assert goal["text"] == goal["text"].strip() and goal["text"][-1] not in ",.;", goal["id"]
        assert not goal["text"].endswith((" och", " samt"))


def test_lgr22_chapters_three_and_four_are_for_forskoleklass_and_fritidshem_only() -> None:
    areas = {a["code"]: a for a in lgr22_data()["areas"]}
    assert areas["2.1"]["school_types"] == []
    assert areas["3"]["school_types"] == ["FKLASS"]
    assert areas["4"]["school_types"] == ["FTH"]


# --- The loader's versions ----------------------------------------------------------------------


@pytest.fixture
def unit(db: None) -> Organisation:
    org = Organisation.objects.create(organisation_type=OrganisationType.HUVUDMAN, display_name="Kommun")
    return Organisation.objects.create(
        organisation=org,
        parent=org,
        organisation_type=OrganisationType.SKOLENHET,
        display_name="Ekbackens skola",
        school_unit_code="99000077",
        school_types=["FKLASS", "GR"],
    )


def linked_post(unit: Organisation, goal: Goal) -> Post:
    author = Person.objects.create(given_name="Frans", family_name="Klass", birth_date=dt.date(1980, 1, 1))
    child = Person.objects.create(given_name="Maja", family_name="Ek", birth_date=dt.date(2020, 3, 1))
    post = Post.objects.create(
        organisation=unit.organisation,
        school_unit=unit,
        kind=PostKind.INDIVIDUAL,
        status=PostStatus.PUBLISHED,
        author=author,
        title="Vi byggde en bro",
        body_html="<p>Text</p>",
        activity_date=dt.date(2025, 9, 1),
    )
    PostChild.objects.create(post=post, child=child, activity_date=post.activity_date)
    PostGoal.objects.create(post=post, goal=goal)
    return post


def second_version(data: dict[str, Any]) -> dict[str, Any]:
    """Return a later version of the file: one goal reworded, one removed (test data, not Lgr22)."""
    v2 = copy.deepcopy(data)
    v2["curriculum"]["version"] = "2026-07-01"
    v2["curriculum"]["in_force_from"] = "2026-07-01"
    v2["goals"][5]["text"] = "pröva och utveckla idéer och lösa problem (omskriven i testet)"
    v2["goals"] = [g for g in v2["goals"] if g["id"] != "lgr22-3-matematik"]
    return v2


def test_loading_the_shipped_files_twice_changes_nothing(db: None) -> None:
    first = load_shipped()
    counts = (Curriculum.objects.count(), Goal.objects.count())
    second = load_shipped()
    assert [c.pk for c in first] == [c.pk for c in second]
    assert (Curriculum.objects.count(), Goal.objects.count()) == counts
    assert {c.code for c in first} == {"LPFO18", "LGR22"}
    assert Goal.objects.filter(curriculum__code="LGR22").count() == len(lgr22_data()["goals"])


def test_a_new_version_is_loaded_beside_the_old_and_posts_keep_their_goal_links(
    unit: Organisation, tmp_path: Path
) -> None:
    old = load_lgr22()
    old_goal = Goal.objects.get(curriculum=old, key="lgr22-3-ideer-problemlosning")
    removed_goal = Goal.objects.get(curriculum=old, key="lgr22-3-matematik")
    post = linked_post(unit, old_goal)
    linked_post(unit, removed_goal)

    new = load_curriculum_file(write(tmp_path, "lgr22-v2.json", second_version(lgr22_data())))

    assert new.pk != old.pk
    old.refresh_from_db()
    assert old.in_force_to == dt.date(2026, 6, 30)
    assert new.in_force_to is None
    # The post still points at the row it was linked to, with the text it was linked to.
    link = PostGoal.objects.get(post=post)
    assert link.goal_id == old_goal.pk
    assert link.goal.text == "pröva och utveckla idéer, lösa problem och omsätta idéerna i handling"
    # The current goals are the new version's; the key is the same, so coverage counts it as one goal.
    current = Goal.objects.current().get(key="lgr22-3-ideer-problemlosning")
    assert current.curriculum_id == new.pk and "omskriven" in current.text
    assert not Goal.objects.current().filter(key="lgr22-3-matematik").exists()
    assert Goal.objects.filter(key="lgr22-3-matematik").count() == 1  # kept for its post


def test_loading_an_older_version_after_a_newer_one_keeps_the_newer_current(tmp_path: Path, db: None) -> None:
    new = load_curriculum_file(write(tmp_path, "v2.json", second_version(lgr22_data())))
    old = load_lgr22()
    new.refresh_from_db()
    old.refresh_from_db()
    assert new.in_force_to is None
    assert old.in_force_to == dt.date(2026, 6, 30)


def test_rewording_a_linked_goal_under_the_same_version_is_refused(unit: Organisation, tmp_path: Path) -> None:
    curriculum = load_lgr22()
    goal = Goal.objects.get(curriculum=curriculum, key="lgr22-2.1-inlevelse")
    linked_post(unit, goal)
    data = lgr22_data()
    data["goals"][3]["text"] = "kan leva sig in i andra människors situation"
    with pytest.raises(CurriculumFileError, match=r"lgr22-2\.1-inlevelse"):
        load_curriculum_file(write(tmp_path, "same-version.json", data))
    goal.refresh_from_db()
    assert goal.text.startswith("kan leva sig in i och förstå")


def test_rewording_a_goal_nobody_linked_updates_the_version_in_place(tmp_path: Path, db: None) -> None:
    curriculum = load_lgr22()
    data = lgr22_data()
    data["goals"][0]["text"] += " (rättad)"
    load_curriculum_file(write(tmp_path, "corrected.json", data))
    assert Curriculum.objects.filter(code="LGR22").count() == 1
    assert Goal.objects.get(curriculum=curriculum, key=data["goals"][0]["id"]).text.endswith("(rättad)")


def test_the_load_command_names_a_bad_file_and_loads_nothing_from_it(tmp_path: Path, db: None) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"curriculum": {"code": "LGR22"}}', encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.json"):
        call_command("curriculum_load", "--path", str(bad))
    assert not Curriculum.objects.exists()


# --- Which goals a school type is offered ------------------------------------------------------


def offered_keys(school_types: list[str]) -> set[str]:
    return {g.key for g in offer.offered(Goal.objects.current().select_related("curriculum", "area"), school_types)}


def test_each_school_type_is_offered_its_own_curriculum(db: None) -> None:
    load_shipped()
    preschool, fklass, fritids, school = (offered_keys([t]) for t in ("FS", "FKLASS", "FTH", "GR"))
    assert preschool and all(k.startswith("lpfo18-") for k in preschool)
    assert {k.split("-")[1] for k in fklass} == {"2.1", "3"}
    assert {k.split("-")[1] for k in fritids} == {"2.1", "4"}
    assert {k.split("-")[1] for k in school} == {"2.1"}
    # A school type nothing is shipped for is offered every goal, so a post can still be linked.
    assert offered_keys(["GY"]) == preschool | fklass | fritids


def test_a_group_school_type_decides_before_the_units() -> None:
    class Unit:
        school_types = ["FKLASS", "GR", "FTH"]

    class Group:
        school_type = "FKLASS"

    assert offer.school_types_of(Unit(), Group()) == ["FKLASS"]
    assert offer.school_types_of(Unit(), None) == ["FKLASS", "GR", "FTH"]
    assert offer.school_types_of(None) == []


# --- The composer and coverage pages ------------------------------------------------------------


def signed_in(person: Person) -> Client:
    return sessions.signed_in(person, Role.STAFF)


class SchoolTypeChoosesTheCurriculumTests(TestCase):
    """The förskoleklass group at Ekbacken documents against Lgr22; the preschool against Lpfö 18."""

    cast: Cast

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        load_lgr22()

    def compose_page(self, teacher: str, group: object) -> str:
        response = signed_in(self.cast.persons[teacher]).get(reverse("learninglog:compose") + f"?group={group.uuid}")
        assert response.status_code == 200
        return response.content.decode()

    def test_the_forskoleklass_composer_offers_lgr22_and_not_lpfo18(self) -> None:
        html = self.compose_page("teacher_fklass", self.cast.fklass)
        assert "använda matematiska begrepp och resonemang för att kommunicera och lösa problem" in html
        assert "kan leva sig in i och förstå andra människors situation" in html
        assert "ta hänsyn till personliga behov av balans mellan aktivitet och vila" not in html  # fritidshem
        assert Goal.objects.get(key="lpfo18-2.2-motorik-halsa").text not in html

    def test_the_preschool_composer_offers_lpfo18_and_not_lgr22(self) -> None:
        html = self.compose_page("teacher_blue", self.cast.blue)
        assert Goal.objects.get(key="lpfo18-2.2-motorik-halsa").text in html
        assert "använda matematiska begrepp och resonemang" not in html

    def test_a_goal_of_another_school_types_curriculum_is_refused_and_nothing_is_stored(self) -> None:
        lgr22_goal = Goal.objects.current().get(key="lgr22-3-matematik")
        before = Post.objects.count()
        response = signed_in(self.cast.teacher_blue).post(
            reverse("learninglog:compose"),
            {
                "group": str(self.cast.blue.uuid),
                "kind": "individual",
                "children": [str(self.cast.alva.uuid)],
                "title": "Vattenlek",
                "body": "Text",
                "activity_date": self.cast.day.isoformat(),
                "goals": [str(lgr22_goal.pk)],
            },
        )
        assert response.status_code == 400
        assert Post.objects.count() == before

    def test_a_forskoleklass_post_linked_to_lgr22_shows_on_the_groups_coverage(self) -> None:
        goal = Goal.objects.current().get(key="lgr22-3-natur-teknik-samhalle")
        client = signed_in(self.cast.teacher_fklass)
        response = client.post(
            reverse("learninglog:compose"),
            {
                "group": str(self.cast.fklass.uuid),
                "kind": "individual",
                "children": [str(self.cast.maja.uuid)],
                "title": "Vi undersökte is",
                "body": "Maja såg isen smälta.",
                "activity_date": self.cast.day.isoformat(),
                "goals": [str(goal.pk)],
                "publish": "1",
            },
        )
        assert response.status_code == 302
        html = client.get(reverse("curriculum:group_coverage", args=[self.cast.fklass.uuid])).content.decode()
        assert goal.text in html
        assert Goal.objects.get(key="lpfo18-2.2-motorik-halsa").text not in html
        csv_text = client.get(
            reverse("curriculum:group_coverage", args=[self.cast.fklass.uuid]) + "?format=csv"
        ).content.decode()
        rows = {line.split(";")[3]: line.split(";") for line in csv_text.splitlines() if line.count(";") > 4}
        assert rows[goal.key][1] == "LGR22" and rows[goal.key][-1] == "1"
        assert rows["lgr22-3-matematik"][-1] == "0"  # a gap shows as 0
        # Lpfö 18 shows only where a post links to it (the cast's earlier post), never as gaps.
        assert all(int(row[-1]) > 0 for key, row in rows.items() if key.startswith("lpfo18-"))

    def test_the_curriculum_page_shows_each_chapters_lead_in_before_its_goals(self) -> None:
        lgr22 = Curriculum.objects.get(code="LGR22")
        html = signed_in(self.cast.teacher_fklass).get(reverse("curriculum:curriculum_detail", args=[lgr22.uuid]))
        text = html.content.decode()
        assert "<p>Skolans mål är att varje elev …</p>" in text
        assert "ska eleverna sammanfattningsvis ges förutsättningar att utveckla sin förmåga att …" in text
        assert text.index("Skolans mål är att varje elev") < text.index("kan leva sig in i och förstå")

    def test_the_post_lists_goal_filter_groups_the_goals_by_curriculum(self) -> None:
        from django.core.cache import caches

        # The goal list and the unfiltered filter box are cached for five minutes (per process
        # for the box); another test in this process may have drawn them before Lgr22 was loaded.
        caches["default"].clear()
        caches["template_fragments"].clear()
        html = signed_in(self.cast.teacher_fklass).get(reverse("learninglog:feed")).content.decode()
        assert '<optgroup label="Läroplan för grundskolan, förskoleklassen och fritidshemmet – Lgr22">' in html
        assert '<optgroup label="Läroplan för förskolan, Lpfö 18">' in html
        assert '<option value="lgr22-3-matematik">3 använda matematiska begrepp' in html
        filtered = signed_in(self.cast.teacher_fklass).get(reverse("learninglog:feed") + "?goal=lgr22-3-matematik")
        assert filtered.status_code == 200
        assert '<option value="lgr22-3-matematik" selected>' in filtered.content.decode()


class CurriculaAddNoQueriesTests(TestCase):
    """Loading Lgr22 beside Lpfö 18 adds no query to the composer or the coverage pages."""

    cast: Cast

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def queries_for(self, person: Person, url: str) -> int:
        client = signed_in(person)
        client.get(url)  # warm the session and caches
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def test_composer_and_coverage_cost_the_same_with_one_curriculum_or_two(self) -> None:
        pages = [
            (self.cast.teacher_fklass, reverse("learninglog:compose") + f"?group={self.cast.fklass.uuid}"),
            (self.cast.teacher_blue, reverse("learninglog:compose") + f"?group={self.cast.blue.uuid}"),
            (self.cast.teacher_blue, reverse("curriculum:group_coverage", args=[self.cast.blue.uuid])),
            (self.cast.principal, reverse("curriculum:unit_coverage", args=[self.cast.solrosen.uuid])),
        ]
        before = [self.queries_for(person, url) for person, url in pages]
        load_lgr22()
        after = [self.queries_for(person, url) for person, url in pages]
        assert before == after
        assert Goal.objects.current().filter(curriculum__code="LGR22").exists()
        # The same page now offers Lgr22: the count stayed while the content changed.
        html = signed_in(self.cast.teacher_fklass).get(pages[0][1]).content.decode()
        assert "använda matematiska begrepp och resonemang" in html

    def test_forskoleklass_coverage_does_not_grow_with_lgr22_posts(self) -> None:
        load_lgr22()
        url = reverse("curriculum:group_coverage", args=[self.cast.fklass.uuid])
        goals = list(Goal.objects.current().filter(curriculum__code="LGR22").order_by("pk"))

        def add_posts(n: int) -> None:
            for i in range(n):
                post = Post.objects.create(
                    organisation=self.cast.ekbacken.organisation,
                    school_unit=self.cast.ekbacken,
                    group=self.cast.fklass,
                    kind=PostKind.GROUP,
                    status=PostStatus.PUBLISHED,
                    author=self.cast.teacher_fklass,
                    title=f"Inlägg {i}",
                    body_html="<p>Text</p>",
                    activity_date=self.cast.day - dt.timedelta(days=i % 20),
                )
                PostChild.objects.create(post=post, child=self.cast.maja, activity_date=post.activity_date)
                PostGoal.objects.create(post=post, goal=goals[i % len(goals)])

        add_posts(2)
        few = self.queries_for(self.cast.teacher_fklass, url)
        add_posts(18)
        assert self.queries_for(self.cast.teacher_fklass, url) == few

    def test_lpfo18_loaded_again_is_unchanged(self) -> None:
        keys = set(Goal.objects.values_list("key", flat=True))
        load_lpfo18()
        assert set(Goal.objects.values_list("key", flat=True)) == keys
