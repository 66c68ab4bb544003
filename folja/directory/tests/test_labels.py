"""Two children with the same name are told apart wherever staff choose a child (issue 25, point 4)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.test import SimpleTestCase, TestCase
from django.urls import reverse
from django.utils import translation

from folja.access.roles import Role
from folja.core.dates import today
from folja.directory.labels import distinguishing_labels, labelled
from folja.directory.models import Guardianship, Person, RelationType
from folja.testing.cast import _place, build_cast
from folja.testing.sessions import signed_in


def person(pk: int, given: str, family: str, *, middle: str = "", born: dt.date | None = None) -> SimpleNamespace:
    return SimpleNamespace(pk=pk, given_name=given, middle_name=middle, family_name=family, birth_date=born)


class LabelTests(SimpleTestCase):
    def test_distinct_names_are_the_full_names(self) -> None:
        people = [person(1, "Alva", "Lind", middle="Maria"), person(2, "Bertil", "Ek")]
        assert distinguishing_labels(people) == {1: "Alva Lind", 2: "Bertil Ek"}

    def test_the_same_name_is_told_apart_by_the_middle_name(self) -> None:
        people = [person(1, "Stella", "Nyberg", middle="Maja"), person(2, "Stella", "Nyberg", middle="Ida")]
        assert distinguishing_labels(people) == {1: "Stella Maja Nyberg", 2: "Stella Ida Nyberg"}

    def test_else_by_the_birth_date_in_the_users_language(self) -> None:
        people = [
            person(1, "Stella", "Nyberg", born=dt.date(2021, 3, 4)),
            person(2, "stella", "nyberg", born=dt.date(2021, 11, 20)),
            person(3, "Sam", "Lindberg", born=dt.date(2021, 3, 4)),
        ]
        with translation.override("sv"):
            labels = distinguishing_labels(people)
        assert labels == {
            1: "Stella Nyberg, född 4 mars 2021",
            2: "stella nyberg, född 20 november 2021",
            3: "Sam Lindberg",
        }
        with translation.override("en"):
            assert distinguishing_labels(people)[1] == "Stella Nyberg, born 4 March 2021"
        assert len(set(labels.values())) == 3

    def test_the_same_person_twice_is_no_pair(self) -> None:
        stella = person(1, "Stella", "Nyberg", born=dt.date(2021, 3, 4))
        assert distinguishing_labels([stella, stella]) == {1: "Stella Nyberg"}

    def test_labelled_sets_the_label_on_each_person(self) -> None:
        people = labelled([person(1, "Stella", "Nyberg", middle="Maja"), person(2, "Stella", "Nyberg")])
        assert [p.label for p in people] == ["Stella Maja Nyberg", "Stella Nyberg"]


class SameNameInTheGroupTests(TestCase):
    """Blåbären gets a second "Alva Lind" (another family, born on another day)."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        alva = cls.cast.alva
        cls.namesake = Person.objects.create(
            given_name="Alva", family_name="Lind", birth_date=alva.birth_date - dt.timedelta(days=200)
        )
        long_ago = today() - dt.timedelta(days=800)
        _place(cls.namesake, [(cls.cast.blue.school_unit, cls.cast.blue, long_ago, None)])
        cls.other_guardian = Person.objects.create(given_name="Greta", family_name="Lind")
        Guardianship.objects.create(
            organisation=cls.cast.blue.organisation,
            child=cls.namesake,
            responsible=cls.other_guardian,
            relation_type=RelationType.GUARDIAN,
        )

    def staff_page(self, url: str) -> str:
        response = signed_in(self.cast.teacher_blue, Role.STAFF).get(url)
        assert response.status_code == 200
        return response.content.decode()

    def assert_both_told_apart(self, html: str) -> None:
        for child in (self.cast.alva, self.namesake):
            born = f"född {child.birth_date.day} "
            assert f"Alva Lind, {born}" in html, born

    def test_the_composer_tells_them_apart(self) -> None:
        self.assert_both_told_apart(self.staff_page(reverse("learninglog:compose") + f"?group={self.cast.blue.uuid}"))

    def test_the_member_list_tells_them_apart_for_staff(self) -> None:
        self.assert_both_told_apart(self.staff_page(reverse("learninglog:group_members", args=[self.cast.blue.uuid])))

    def test_the_slot_choices_tell_them_apart(self) -> None:
        html = self.staff_page(reverse("talks:slots"))
        self.assert_both_told_apart(html)
        assert html.count("Bara Alva Lind, född") == 2

    def test_the_talk_list_tells_them_apart(self) -> None:
        from folja.talks import actions as talk_actions
        from folja.talks.templates import default_talk_template

        teacher = self.cast.viewer("teacher_blue", Role.STAFF)
        version = default_talk_template(self.cast.blue.organisation).current_version()
        talk_actions.talks_plan(
            actor=teacher,
            group=self.cast.blue,
            template_version=version,
            period_start=today(),
            planned_date=today() + dt.timedelta(days=7),
        )
        self.assert_both_told_apart(self.staff_page(reverse("talks:overview")))

    def test_guardians_never_see_another_childs_birth_date(self) -> None:
        response = signed_in(self.cast.anna, Role.GUARDIAN).get(
            reverse("learninglog:group_members", args=[self.cast.blue.uuid])
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "född" not in html

    def test_one_of_the_pair_alone_is_still_told_apart_for_staff_never_for_families(self) -> None:
        # A list may hold only one of them (a timeline, one booked slot): staff know both.
        from folja.access.labels import child_labels

        staff = self.cast.viewer("teacher_blue", Role.STAFF)
        with translation.override("sv"):
            label = child_labels(staff, [self.cast.alva])[self.cast.alva.pk]
        assert label.startswith("Alva Lind, född ") and str(self.cast.alva.birth_date.year) in label
        assert child_labels(self.cast.viewer("anna", Role.GUARDIAN), [self.cast.alva]) == {
            self.cast.alva.pk: "Alva Lind"
        }
        # Staff connected to only one of them see the plain name.
        other = self.cast.viewer("teacher_granen", Role.STAFF)
        assert child_labels(other, [self.cast.alva]) == {self.cast.alva.pk: "Alva Lind"}

    def test_the_timeline_heading_tells_staff_which_one_it_is(self) -> None:
        html = self.staff_page(reverse("learninglog:timeline", args=[self.namesake.uuid]))
        assert f"<h1>Lärlogg för Alva Lind, född {self.namesake.birth_date.day} " in html
        response = signed_in(self.cast.anna, Role.GUARDIAN).get(
            reverse("learninglog:timeline", args=[self.cast.alva.uuid])
        )
        assert "<h1>Lärlogg för Alva Lind</h1>" in response.content.decode()
