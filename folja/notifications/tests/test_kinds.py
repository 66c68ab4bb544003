"""The notice kinds of issue 26 built last: who is told, who is not, and who may still see them.

- `consent_question`: a coming move to a new unit asks the guardians who have not answered (R7);
- `terms_new`: new terms of use, told to each guardian for whom they are pending (R9);
- `talk_preparation_handed_in`: a guardian's preparation, told to the staff holding the talk;
- `children_to_notice`: the weekly "Barn att uppmärksamma", one per staff member and group.

Each with: a guardian without custody (an "Annan ansvarig") and a sealed child's guardian are
never told (R1, R5); a guardian whose custody ended, or staff no longer connected, see none of the
old ones; a rerun of the task tells no one twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from folja.access.roles import Role
from folja.directory.models import DutyAssignment, GroupMembership, Guardianship, Person, Placement
from folja.learninglog import attention
from folja.notifications import rules
from folja.notifications.emails import render_notice_text
from folja.notifications.models import Notice
from folja.pages.transitions import actions as transition_actions
from folja.pages.transitions import notices as transition_notices
from folja.talks import actions as talk_actions
from folja.talks.models import Part
from folja.talks.tests.matrix_rows import build_talk_world
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in
from folja.transitions.models import TransitionConsent


class _Kinds(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()

    def told(self, kind: str) -> set[str]:
        return set(Notice.objects.filter(kind=kind).values_list("recipient__given_name", flat=True))

    def visible(self, name: str, role: Role, kind: str) -> list[Notice]:
        return list(rules.visible_notices(self.cast.viewer(name, role)).filter(kind=kind))


class ConsentQuestionTests(_Kinds):
    KIND = "consent_question"

    def move(self, child: str, unit: str, days_ahead: int = 30) -> None:
        cast = self.cast
        school = getattr(cast, unit)
        Placement.objects.create(
            organisation=school.organisation,
            child=cast.persons[child],
            school_unit=school,
            school_type=school.school_types[0],
            start_date=cast.day + dt.timedelta(days=days_ahead),
        )

    def ask(self) -> int:
        with self.captureOnCommitCallbacks(execute=True):
            return transition_notices.ask_consent_questions()

    def test_a_coming_move_asks_each_guardian_once_and_links_to_the_consent_page(self) -> None:
        self.move("alva", "ekbacken")
        assert self.ask() == 2
        # Olof is an "Annan ansvarig": no guardian rights, no question (R1).
        assert self.told(self.KIND) == {"Anna", "Johan"}
        notice = self.visible("anna", Role.GUARDIAN, self.KIND)[0]
        assert notice.urgent and notice.child_id == self.cast.alva.pk and notice.role == Role.GUARDIAN
        assert notice.context["path"] == reverse("transitions:consent", args=[self.cast.alva.uuid])
        subject, text = render_notice_text(self.KIND, notice.context)
        assert "Alva" not in subject and "Alva ska börja på Ekbackens skola" in text
        # The daily task again: nobody is asked twice for the same move.
        assert self.ask() == 0 and Notice.objects.filter(kind=self.KIND).count() == 2

    def test_who_answered_already_is_not_asked_and_no_move_asks_nobody(self) -> None:
        cast = self.cast
        TransitionConsent.objects.create(child=cast.alva, guardian=cast.johan, allowed=True, answered_at=timezone.now())
        self.move("alva", "ekbacken")
        self.move("bertil", "solrosen")  # a new placement at the unit Bertil is at: no move
        newcomer = Person.objects.create(given_name="Nils", family_name="Ny", civic_number="201901019800")
        Placement.objects.create(  # a first placement anywhere: nothing to share yet
            organisation=cast.org_a,
            child=newcomer,
            school_unit=cast.solrosen,
            school_type="FS",
            start_date=cast.day + dt.timedelta(days=10),
        )
        self.ask()
        assert self.told(self.KIND) == {"Anna"}

    def test_a_sealed_childs_guardian_is_not_asked(self) -> None:
        self.move("sigge", "ekbacken")  # R5
        assert self.ask() == 0

    def test_a_guardian_whose_custody_ended_sees_none_of_the_old_questions(self) -> None:
        self.move("alva", "ekbacken")
        self.ask()
        assert len(self.visible("anna", Role.GUARDIAN, self.KIND)) == 1
        Guardianship.objects.filter(child=self.cast.alva, responsible=self.cast.anna).delete()
        assert self.visible("anna", Role.GUARDIAN, self.KIND) == []
        # Still Johan's, and never anyone else's or in a staff session.
        assert len(self.visible("johan", Role.GUARDIAN, self.KIND)) == 1
        assert self.visible("johan", Role.STAFF, self.KIND) == []

    def test_the_question_vanishes_when_the_child_is_sealed(self) -> None:
        self.move("bertil", "ekbacken")
        self.ask()
        assert len(self.visible("cecilia", Role.GUARDIAN, self.KIND)) == 1
        Person.objects.filter(pk=self.cast.bertil.pk).update(sealed_at=timezone.now())
        assert self.visible("cecilia", Role.GUARDIAN, self.KIND) == []


class NewTermsTests(_Kinds):
    KIND = "terms_new"

    def publish(self, organisation):  # noqa: ANN001, ANN201
        with self.captureOnCommitCallbacks(execute=True):
            return transition_actions.terms_publish(organisation=organisation, title="Villkor", body="Text")

    def test_each_guardian_for_whom_new_terms_are_pending_is_told_once(self) -> None:
        terms = self.publish(self.cast.org_a)
        # Not Hanna (her child is sealed, R5), not Pia (her child is in organisation B), not Olof.
        assert self.told(self.KIND) == {"Anna", "Johan", "Cecilia", "David", "Frida", "Gustav"}
        notice = self.visible("anna", Role.GUARDIAN, self.KIND)[0]
        assert notice.urgent and notice.child_id is None and notice.about_uuid == terms.uuid
        assert notice.context == {"path": reverse("transitions:terms"), "organisation": "Exempelby kommun"}
        # A rerun (a retried task) tells no one twice.
        assert transition_notices.tell_new_terms(terms) == 0

    def test_the_notice_is_shown_while_the_terms_are_pending(self) -> None:
        cast = self.cast
        terms = self.publish(cast.org_a)
        transition_actions.terms_decide(actor=cast.viewer("anna", Role.GUARDIAN), terms=terms, accepted=True)
        assert self.visible("anna", Role.GUARDIAN, self.KIND) == []
        assert len(self.visible("johan", Role.GUARDIAN, self.KIND)) == 1
        # Superseded by newer terms: the old notice goes, the new one is told.
        self.publish(cast.org_a)
        assert [n.about_uuid for n in self.visible("johan", Role.GUARDIAN, self.KIND)] != [terms.uuid]
        assert len(self.visible("johan", Role.GUARDIAN, self.KIND)) == 1

    def test_a_guardian_whose_custody_ended_sees_none_of_the_old_ones(self) -> None:
        self.publish(self.cast.org_a)
        Guardianship.objects.filter(responsible=self.cast.cecilia).delete()
        assert self.visible("cecilia", Role.GUARDIAN, self.KIND) == []


class TalkPreparationTests(_Kinds):
    KIND = "talk_preparation_handed_in"

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.world = build_talk_world(cls.cast)

    def hand_in(self, guardian: str, talk_key: str, *, joint: bool = False, text: str = "Hon trivs") -> None:
        talk = self.world[talk_key]
        key = next(q["key"] for q in talk.template_version.questions(Part.GUARDIAN) if q["kind"] == "text")
        with self.captureOnCommitCallbacks(execute=True):
            talk_actions.answers_save(
                actor=self.cast.viewer(guardian, Role.GUARDIAN),
                talk=talk,
                part=Part.GUARDIAN,
                answers={key: text},
                joint=joint,
            )

    def test_the_staff_holding_the_talk_are_told_once_per_preparation(self) -> None:
        self.hand_in("cecilia", "bertil")
        assert self.told(self.KIND) == {"Tove"}  # who planned it, before a booking
        notice = Notice.objects.get(kind=self.KIND)
        assert notice.role == Role.STAFF and not notice.urgent and notice.child_id == self.cast.bertil.pk
        assert len(self.visible("teacher_blue", Role.STAFF, self.KIND)) == 1
        assert self.visible("cecilia", Role.GUARDIAN, self.KIND) == []
        subject, text = render_notice_text(self.KIND, notice.context)
        assert "Bertil" not in subject and "Bertil" in text
        # Editing the preparation tells no one again.
        self.hand_in("cecilia", "bertil", text="Hon trivs mycket")
        assert Notice.objects.filter(kind=self.KIND).count() == 1

    def test_a_booked_talk_tells_who_offered_the_time_and_an_empty_answer_tells_nobody(self) -> None:
        self.hand_in("anna", "alva", text="")
        assert self.told(self.KIND) == set()
        self.hand_in("anna", "alva")
        slot_owner = self.world["slot_booked"].created_by
        assert set(Notice.objects.filter(kind=self.KIND).values_list("recipient", flat=True)) == {slot_owner.pk}
        # Johan answers alone too: one notice more (his own answer set).
        self.hand_in("johan", "alva", joint=False)
        assert Notice.objects.filter(kind=self.KIND).count() == 2

    def test_staff_no_longer_connected_see_none_and_are_not_told(self) -> None:
        self.hand_in("cecilia", "bertil")
        DutyAssignment.objects.filter(duty__person=self.cast.teacher_blue).delete()
        assert self.visible("teacher_blue", Role.STAFF, self.KIND) == []
        Notice.objects.all().delete()
        self.hand_in("cecilia", "bertil", joint=True)
        assert self.told(self.KIND) == set()

    def test_the_notice_vanishes_when_the_child_is_sealed(self) -> None:
        self.hand_in("cecilia", "bertil")
        Person.objects.filter(pk=self.cast.bertil.pk).update(sealed_at=timezone.now())
        assert self.visible("teacher_blue", Role.STAFF, self.KIND) == []


@override_settings(FOLJA_ATTENTION_DAYS=7)  # the cast's posts are ten days old
class ChildrenToNoticeTests(_Kinds):
    KIND = "children_to_notice"

    def run_task(self) -> int:
        with self.captureOnCommitCallbacks(execute=True):
            return attention.tell_children_to_notice()

    def test_each_staff_member_gets_one_notice_per_group_naming_no_child(self) -> None:
        cast = self.cast
        self.run_task()
        # Tove (Blåbären), Mats (Gula), Greta and Johan (Myran), Frans, Lena: assigned to a group.
        # The principal has no group of her own (the unit overview serves her).
        assert "Petra" not in self.told(self.KIND)
        notice = Notice.objects.get(kind=self.KIND, recipient=cast.teacher_blue)
        assert notice.role == Role.STAFF and notice.child_id is None and notice.about_uuid == cast.blue.uuid
        # Alva and Bertil are counted; Sigge is sealed (R5) and counts nowhere.
        assert notice.context["count"] == 2
        subject, text = render_notice_text(self.KIND, notice.context)
        assert subject == "Barn att uppmärksamma"
        assert text == "2 barn i gruppen Blåbären har inte dokumenterats på 7 dagar."
        for name in ("Alva", "Bertil", "Sigge"):
            assert name not in text
        assert notice.context["path"] == reverse("curriculum:group_attention", args=[cast.blue.uuid])
        # Maja was documented at Ekbacken five days ago: F-klass A has nobody to notice.
        assert not Notice.objects.filter(kind=self.KIND, recipient=cast.teacher_fklass).exists()

    def test_a_rerun_in_the_same_week_tells_no_one_twice(self) -> None:
        first = self.run_task()
        assert first > 0
        assert self.run_task() == 0
        assert Notice.objects.filter(kind=self.KIND).count() == first

    def test_weeks_in_the_text_when_the_setting_is_whole_weeks(self) -> None:
        assert (attention.in_weeks(21), attention.in_weeks(7), attention.in_weeks(10)) == (3, None, None)
        context = {"count": 3, "group": "Blåbären", "days": 21, "weeks": 3}
        assert (
            render_notice_text(self.KIND, context)[1] == "3 barn i gruppen Blåbären har inte dokumenterats på 3 veckor."
        )

    def test_staff_no_longer_connected_see_none_of_the_old_ones(self) -> None:
        self.run_task()
        assert len(self.visible("teacher_blue", Role.STAFF, self.KIND)) == 1
        assert self.visible("teacher_blue", Role.GUARDIAN, self.KIND) == []
        assert self.visible("minder_yellow", Role.STAFF, self.KIND)[0].about_uuid == self.cast.yellow.uuid
        DutyAssignment.objects.filter(duty__person=self.cast.teacher_blue).delete()
        assert self.visible("teacher_blue", Role.STAFF, self.KIND) == []

    def test_the_page_lists_the_connected_children_and_reads_the_notice(self) -> None:
        cast = self.cast
        self.run_task()
        client = signed_in(cast.teacher_blue, Role.STAFF)
        page = client.get(reverse("curriculum:group_attention", args=[cast.blue.uuid])).content.decode()
        assert "Alva" in page and "Bertil" in page and "Sigge" not in page
        assert Notice.objects.get(kind=self.KIND, recipient=cast.teacher_blue).read_at is not None
        # Families and staff of another group see no such page.
        for person, role in ((cast.anna, Role.GUARDIAN), (cast.teacher_larkan, Role.STAFF)):
            answer = signed_in(person, role).get(reverse("curriculum:group_attention", args=[cast.blue.uuid]))
            assert answer.status_code in (403, 404)

    def test_the_page_takes_as_many_queries_for_twelve_children_as_for_two(self) -> None:
        cast = self.cast
        client = signed_in(cast.teacher_blue, Role.STAFF)
        url = reverse("curriculum:group_attention", args=[cast.blue.uuid])

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            return len(captured)

        client.get(url)
        two = queries()
        for n in range(10):
            child = Person.objects.create(given_name=f"Barn{n}", family_name="Extra")
            Placement.objects.create(
                organisation=cast.org_a,
                child=child,
                school_unit=cast.solrosen,
                group=cast.blue,
                school_type="FS",
                start_date=cast.day - dt.timedelta(days=100),
            )
            GroupMembership.objects.create(
                organisation=cast.org_a, group=cast.blue, person=child, start_date=cast.day - dt.timedelta(days=100)
            )
        page = client.get(url).content.decode()
        assert "Barn9" in page
        assert queries() == two
