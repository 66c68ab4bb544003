"""Talk templates per school type (issue 29): preschool, förskoleklass, school years and
fritidshem, in Swedish and English, chosen by the group's school type when talks are planned;
the school years' template has the pupil's own part, which only the pupil answers (test_pupil.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from folja.access.roles import Role
from folja.core.dates import today
from folja.directory.models import SchoolType
from folja.talks import actions
from folja.talks.models import Part, QuestionKind, Talk, TalkTemplate
from folja.talks.templates import (
    built_ins,
    default_talk_template,
    default_talk_templates,
    localized_content,
    template_name,
    validate_content,
    version_for,
)
from folja.testing.cast import Cast, build_cast
from folja.testing.sessions import signed_in


@pytest.mark.parametrize("school_type", [SchoolType.FS, SchoolType.FKLASS, SchoolType.GR, SchoolType.FTH])
def test_every_built_in_template_is_valid_and_has_every_string_in_english(school_type: str) -> None:
    built_in = built_ins()[school_type]
    content = validate_content(built_in.content())
    for section in content["sections"]:
        assert built_in.overlays["en"][section["key"]].get("title"), section["key"]
        for question in section["questions"]:
            english = built_in.overlays["en"][question["key"]]
            assert english.get("text"), question["key"]
            if question["kind"] == QuestionKind.SCALE:
                assert english.get("min_label") and english.get("max_label"), question["key"]
            if question["kind"] == QuestionKind.CHOICE:
                assert len(english["choice_labels"]) == len(question["choices"]), question["key"]
    shown = localized_content(content, "en")
    assert shown is not content
    assert (
        shown["sections"][0]["questions"][0]["text"]
        == built_in.overlays["en"][content["sections"][0]["questions"][0]["key"]]["text"]
    )
    assert localized_content(content, "sv") is content


def test_each_template_speaks_of_its_own_school_form() -> None:
    def texts(school_type: str) -> str:
        content = built_ins()[school_type].content()
        return " ".join(q["text"] for s in content["sections"] for q in s["questions"])

    assert "förskolan?" in texts(SchoolType.FS)
    assert "förskoleklassen?" in texts(SchoolType.FKLASS)
    assert "i skolan?" in texts(SchoolType.GR) and "förskola" not in texts(SchoolType.GR)
    assert "fritidshemmet?" in texts(SchoolType.FTH) and "förskola" not in texts(SchoolType.FTH)


def test_only_the_school_years_template_has_the_pupils_own_part() -> None:
    parts = {t: {s["part"] for s in b.content()["sections"]} for t, b in built_ins().items()}
    assert Part.PUPIL in parts[SchoolType.GR]
    assert all(Part.PUPIL not in p for t, p in parts.items() if t != SchoolType.GR)
    pupil = next(s for s in built_ins()[SchoolType.GR].content()["sections"] if s["part"] == Part.PUPIL)
    assert [q["text"] for q in pupil["questions"]][1] == "Det här tycker jag är roligt i skolan"


class PlanningChoosesTheTemplateTests(TestCase):
    cast: Cast

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.templates = default_talk_templates(cls.cast.org_a, ["FS", "FKLASS", "GR"])

    def plan(self, teacher: str, group: object, choice: str = "auto") -> list[Talk]:
        client = signed_in(self.cast.persons[teacher], Role.STAFF)
        response = client.post(
            reverse("talks:plan"),
            {"group": str(group.uuid), "template_version": choice, "planned_date": today().isoformat()},
        )
        assert response.status_code == 302, response.content.decode()[:500]
        return list(Talk.objects.filter(group=group).select_related("template_version__template"))

    def test_the_organisation_gets_one_built_in_template_per_school_type_it_serves(self) -> None:
        names = {t.name for t in TalkTemplate.objects.filter(organisation=self.cast.org_a)}
        assert names == {built_ins()[t].name for t in ("FS", "FKLASS", "GR")}
        assert default_talk_templates(self.cast.org_a, ["FS", "FKLASS", "GR"]) == self.templates  # idempotent

    def test_a_forskoleklass_groups_talks_get_the_forskoleklass_template(self) -> None:
        talks = self.plan("teacher_fklass", self.cast.fklass)
        assert talks and {t.template_version.template.school_type for t in talks} == {SchoolType.FKLASS}

    def test_a_preschool_groups_talks_get_the_preschool_template(self) -> None:
        talks = self.plan("teacher_blue", self.cast.blue)
        assert talks and {t.template_version.template.name for t in talks} == {built_ins()["FS"].name}

    def test_a_chosen_template_wins_over_the_school_type(self) -> None:
        school = default_talk_template(self.cast.org_a, school_type="GR").current_version()
        talks = self.plan("teacher_fklass", self.cast.fklass, str(school.pk))
        assert {t.template_version_id for t in talks} == {school.pk}

    def test_the_units_own_template_for_the_school_type_comes_before_the_organisations(self) -> None:
        own = default_talk_template(self.cast.org_a, school_unit=self.cast.ekbacken, school_type="FKLASS")
        versions = [t.current_version() for t in [*self.templates, own]]
        assert version_for(versions, ["FKLASS"]).template == own
        assert version_for(versions, ["FTH"]) is None  # nothing written for it: the planner chooses
        assert template_name(own) == "Utvecklingssamtal i förskoleklass (standardmall)"

    def test_neither_staff_nor_guardians_answer_the_pupils_part(self) -> None:
        version = default_talk_template(self.cast.org_a, school_type="GR").current_version()
        talk = actions.talks_plan(
            actor=self.cast.viewer("teacher_fklass", Role.STAFF),
            group=self.cast.fklass,
            template_version=version,
            period_start=today(),
            planned_date=today(),
        )[0]
        for name, role in (("teacher_fklass", Role.STAFF), ("gustav", Role.GUARDIAN)):
            with pytest.raises(PermissionDenied):
                actions.answers_save(
                    actor=self.cast.viewer(name, role), talk=talk, part=Part.PUPIL, answers={"elev_roligt": "Rasten"}
                )

    def test_the_command_creates_the_templates_for_the_school_types_of_each_organisations_units(self) -> None:
        call_command("talk_default_template", verbosity=0)
        names_b = {t.name for t in TalkTemplate.objects.filter(organisation=self.cast.org_b)}
        assert names_b == {built_ins()["FS"].name}  # Lärkans friskola has a preschool only

    def test_the_talk_page_shows_the_pupils_questions_and_says_who_answers_them(self) -> None:
        school = default_talk_template(self.cast.org_a, school_type="GR").current_version()
        talk = self.plan("teacher_fklass", self.cast.fklass, str(school.pk))[0]
        page = signed_in(self.cast.teacher_fklass, Role.STAFF).get(reverse("talks:talk", args=[talk.uuid]))
        html = page.content.decode()
        assert "Elevens egen förberedelse" in html and "Det här vill jag bli bättre på" in html
        preschool_talk = self.plan("teacher_blue", self.cast.blue)[0]
        html = signed_in(self.cast.teacher_blue, Role.STAFF).get(reverse("talks:talk", args=[preschool_talk.uuid]))
        assert "Elevens egen förberedelse" not in html.content.decode()
