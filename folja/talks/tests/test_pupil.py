"""The pupil's own part of a development talk (talks/pupil.py): the pupil answers, saves a draft and
hands it in; staff and guardians read it once handed in; nobody else writes it, nobody else reads it."""

from __future__ import annotations

import datetime as dt

import jsonschema
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from folja.access.models import AuditAction, AuditRecord
from folja.access.roles import Role
from folja.core.dates import term_start
from folja.directory.models import SchoolType
from folja.notifications.emails import render_notice_text
from folja.notifications.models import Notice
from folja.talks import access as talk_policy
from folja.talks import actions, pupil
from folja.talks.models import AnswerSet, Part, Talk, TalkStatus
from folja.talks.templates import default_talk_template
from folja.talks.tests.matrix_rows import build_talk_world
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in

KIND = "talk_preparation_handed_in"


class PupilPartTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.world = build_talk_world(cls.cast)  # Alva's and Bertil's preschool talks: no pupil part
        cls.version = default_talk_template(cls.cast.org_a, school_type=SchoolType.GR).current_version()
        cls.next_period = term_start(term_start(cls.cast.day) + dt.timedelta(days=190))
        cls.bertil_talk = cls.school_talk("bertil", cls.next_period)

    @classmethod
    def school_talk(cls, child: str, period: dt.date, **extra: object) -> Talk:
        return Talk.objects.create(
            organisation=cls.cast.org_a,
            school_unit=cls.cast.solrosen,
            group=cls.cast.blue,
            child=cls.cast.persons[child],
            template_version=cls.version,
            period_start=period,
            activity_date=period + dt.timedelta(days=20),
            created_by=cls.cast.teacher_blue,
            **extra,
        )

    def viewer(self, name: str, role: Role):  # noqa: ANN201
        return self.cast.viewer(name, role)

    def prepare_url(self, talk: Talk) -> str:
        return reverse("talks:pupil_preparation", args=[talk.uuid])

    def talk_url(self, talk: Talk) -> str:
        return reverse("talks:talk", args=[talk.uuid])

    def pupil_set(self, talk: Talk) -> AnswerSet:
        return AnswerSet.objects.get(talk=talk, part=Part.PUPIL)

    # --- the happy path, through the pages ----------------------------------------------------

    def test_the_pupil_saves_a_draft_hands_it_in_and_the_teacher_and_guardian_read_it(self) -> None:
        talk = self.bertil_talk
        bertil = signed_in(self.cast.bertil, Role.CHILD)
        start = bertil.get(reverse("core:home")).content.decode()
        assert "Förbered mitt utvecklingssamtal" in start and reverse("talks:pupil_talks") in start
        listing = bertil.get(reverse("talks:pupil_talks")).content.decode()
        assert self.prepare_url(talk) in listing and "Förbered dig" in listing
        form = bertil.get(self.prepare_url(talk)).content.decode()
        assert "Hur trivs du i skolan?" in form and "Lämna till läraren" in form
        assert "Hur upplever ni att ert barn trivs" not in form  # not the guardians' questions

        # A draft: the pupil reads it, nobody else.
        response = bertil.post(self.prepare_url(talk), {"q_elev_trivs": "4", "q_elev_roligt": "Fotbollen på rasten"})
        assert response.status_code == 302 and response["Location"] == self.talk_url(talk)
        assert self.pupil_set(talk).handed_in_at is None
        assert "Fotbollen på rasten" in bertil.get(self.talk_url(talk)).content.decode()
        teacher = signed_in(self.cast.teacher_blue, Role.STAFF)
        guardian = signed_in(self.cast.cecilia, Role.GUARDIAN)
        for client in (teacher, guardian):
            page = client.get(self.talk_url(talk)).content.decode()
            assert "Fotbollen på rasten" not in page
            assert "Eleven har inte lämnat sin förberedelse ännu." in page
        assert not Notice.objects.filter(kind=KIND).exists()

        # Handed in: the teacher who holds the talk is told; teacher and guardian read it.
        with self.captureOnCommitCallbacks(execute=True):
            response = bertil.post(
                self.prepare_url(talk),
                {"q_elev_trivs": "4", "q_elev_roligt": "Fotbollen på rasten", "action": "hand_in"},
                follow=True,
            )
        assert "Din lärare kan nu läsa dina svar." in response.content.decode()
        assert self.pupil_set(talk).handed_in_at is not None
        for client in (teacher, guardian):
            page = client.get(self.talk_url(talk)).content.decode()
            assert "Fotbollen på rasten" in page and "Lämnad till läraren" in page
            assert "Eleven har inte lämnat" not in page
        notice = Notice.objects.get(kind=KIND)
        assert notice.recipient_id == self.cast.teacher_blue.pk and notice.role == Role.STAFF
        subject, text = render_notice_text(KIND, notice.context)
        assert "Bertil har lämnat in sin egen förberedelse" in text and "Eleven" in subject
        assert AuditRecord.objects.filter(
            action=AuditAction.SHARE_TALK, actor=self.cast.bertil, object_uuid=talk.uuid
        ).exists()
        # The staff read of the talk page, the pupil's part included, is the talk read (R11).
        assert AuditRecord.objects.filter(
            action=AuditAction.READ_TALK, actor=self.cast.teacher_blue, object_uuid=talk.uuid
        ).exists()

    def test_changes_after_handing_in_stay_handed_in_and_tell_nobody_again(self) -> None:
        child = self.viewer("bertil", Role.CHILD)
        with self.captureOnCommitCallbacks(execute=True):
            actions.answers_save(
                actor=child, talk=self.bertil_talk, part=Part.PUPIL, answers={"elev_prata": "Rymden"}, hand_in=True
            )
        first = self.pupil_set(self.bertil_talk).handed_in_at
        with self.captureOnCommitCallbacks(execute=True):
            actions.answers_save(actor=child, talk=self.bertil_talk, part=Part.PUPIL, answers={"elev_prata": "Havet"})
            actions.answers_save(
                actor=child, talk=self.bertil_talk, part=Part.PUPIL, answers={"elev_prata": "Havet"}, hand_in=True
            )
        answer_set = self.pupil_set(self.bertil_talk)
        assert answer_set.handed_in_at == first and answer_set.answers == {"elev_prata": "Havet"}
        assert Notice.objects.filter(kind=KIND).count() == 1
        teacher = self.viewer("teacher_blue", Role.STAFF)
        assert talk_policy.visible_answer_sets(teacher, self.bertil_talk).get(part=Part.PUPIL).answers == {
            "elev_prata": "Havet"
        }

    def test_an_empty_part_cannot_be_handed_in(self) -> None:
        response = signed_in(self.cast.bertil, Role.CHILD).post(
            self.prepare_url(self.bertil_talk), {"action": "hand_in"}
        )
        assert response.status_code == 400
        assert "Svara på minst en fråga" in response.content.decode()
        assert not AnswerSet.objects.filter(talk=self.bertil_talk, part=Part.PUPIL).exists()

    def test_who_reads_the_part_as_a_draft_and_once_handed_in(self) -> None:
        talk = self.bertil_talk
        actions.answers_save(
            actor=self.viewer("bertil", Role.CHILD), talk=talk, part=Part.PUPIL, answers={"elev_roligt": "Bild"}
        )

        def reads(name: str, role: Role) -> bool:
            return talk_policy.visible_answer_sets(self.viewer(name, role), talk).filter(part=Part.PUPIL).exists()

        assert reads("bertil", Role.CHILD)
        assert not reads("teacher_blue", Role.STAFF) and not reads("principal", Role.STAFF)
        assert not reads("cecilia", Role.GUARDIAN)
        actions.answers_save(
            actor=self.viewer("bertil", Role.CHILD), talk=talk, part=Part.PUPIL, answers={"elev_roligt": "Bild"},
            hand_in=True,
        )  # fmt: skip
        assert reads("teacher_blue", Role.STAFF) and reads("principal", Role.STAFF) and reads("cecilia", Role.GUARDIAN)
        # Not connected, another family, another child: the talk itself is not theirs (R1).
        for name, role in (("minder_yellow", Role.STAFF), ("anna", Role.GUARDIAN), ("alva", Role.CHILD)):
            assert not talk_policy.visible_talks(self.viewer(name, role)).filter(pk=talk.pk).exists()
            with pytest.raises(Http404):
                talk_policy.get_talk_for(self.viewer(name, role), talk.uuid)

    # --- who may not -------------------------------------------------------------------------

    def test_a_pupil_of_another_child_gets_404(self) -> None:
        alva = signed_in(self.cast.alva, Role.CHILD)
        assert alva.get(self.prepare_url(self.bertil_talk)).status_code == 404
        response = alva.post(self.prepare_url(self.bertil_talk), {"q_elev_roligt": "Hej", "action": "hand_in"})
        assert response.status_code == 404
        assert alva.get(self.talk_url(self.bertil_talk)).status_code == 404
        assert self.prepare_url(self.bertil_talk) not in alva.get(reverse("talks:pupil_talks")).content.decode()
        with pytest.raises(Http404):
            actions.answers_save(
                actor=self.viewer("alva", Role.CHILD), talk=self.bertil_talk, part=Part.PUPIL, answers={}
            )
        assert not AnswerSet.objects.filter(talk=self.bertil_talk).exists()

    def test_the_guardian_of_another_child_gets_404(self) -> None:
        actions.answers_save(
            actor=self.viewer("bertil", Role.CHILD),
            talk=self.bertil_talk,
            part=Part.PUPIL,
            answers={"elev_prata": "Hemligt för andra familjer"},
            hand_in=True,
        )
        anna = signed_in(self.cast.anna, Role.GUARDIAN)
        response = anna.get(self.talk_url(self.bertil_talk))
        assert response.status_code == 404 and b"Hemligt" not in response.content
        assert anna.get(self.prepare_url(self.bertil_talk)).status_code in (403, 404)
        assert signed_in(self.cast.minder_yellow, Role.STAFF).get(self.talk_url(self.bertil_talk)).status_code == 404

    def test_a_preschool_child_has_no_part_and_no_link(self) -> None:
        alva = signed_in(self.cast.alva, Role.CHILD)
        assert "Förbered mitt utvecklingssamtal" not in alva.get(reverse("core:home")).content.decode()
        assert "Du har inget utvecklingssamtal att förbereda" in alva.get(reverse("talks:pupil_talks")).content.decode()
        preschool_talk = self.world["alva"]
        assert alva.get(self.prepare_url(preschool_talk)).status_code == 404
        page = alva.get(self.talk_url(preschool_talk)).content.decode()
        assert "Din förberedelse" not in page and "Elevens egen förberedelse" not in page
        with pytest.raises(PermissionDenied):
            actions.answers_save(
                actor=self.viewer("alva", Role.CHILD), talk=preschool_talk, part=Part.PUPIL, answers={"x": "y"}
            )
        assert pupil.talks_to_prepare(self.viewer("alva", Role.CHILD)) == []

    def test_a_pupil_writes_neither_the_guardians_nor_the_staff_parts(self) -> None:
        child = self.viewer("bertil", Role.CHILD)
        for part in (Part.GUARDIAN, Part.STAFF, Part.RECORD):
            with pytest.raises(PermissionDenied):
                actions.answers_save(actor=child, talk=self.bertil_talk, part=part, answers={"vh_fragor": "Hej"})
        bertil = signed_in(self.cast.bertil, Role.CHILD)
        for name in ("talks:guardian_preparation", "talks:staff_preparation", "talks:record"):
            response = bertil.post(reverse(name, args=[self.bertil_talk.uuid]), {"q_vh_fragor": "Hej"})
            assert response.status_code in (403, 404), name
        assert not AnswerSet.objects.filter(talk=self.bertil_talk).exists()

    def test_staff_and_guardians_do_not_write_the_pupils_part(self) -> None:
        for name, role in (("teacher_blue", Role.STAFF), ("principal", Role.STAFF), ("cecilia", Role.GUARDIAN)):
            with pytest.raises(PermissionDenied):
                actions.answers_save(
                    actor=self.viewer(name, role), talk=self.bertil_talk, part=Part.PUPIL, answers={"elev_prata": "X"}
                )
        with pytest.raises(PermissionDenied):  # nor "hand in" anything of their own
            actions.answers_save(
                actor=self.viewer("cecilia", Role.GUARDIAN),
                talk=self.bertil_talk,
                part=Part.GUARDIAN,
                answers={"vh_fragor": "X"},
                hand_in=True,
            )
        assert signed_in(self.cast.teacher_blue, Role.STAFF).get(self.prepare_url(self.bertil_talk)).status_code in (
            403,
            404,
        )
        assert not AnswerSet.objects.filter(talk=self.bertil_talk).exists()

    def test_after_the_talk_the_pupil_can_no_longer_change_the_part(self) -> None:
        held = self.school_talk(
            "bertil", term_start(self.next_period + dt.timedelta(days=190)), status=TalkStatus.HELD,
            held_at=timezone.now(),
        )  # fmt: skip
        with pytest.raises(ValidationError):
            actions.answers_save(
                actor=self.viewer("bertil", Role.CHILD), talk=held, part=Part.PUPIL, answers={"elev_prata": "X"}
            )
        bertil = signed_in(self.cast.bertil, Role.CHILD)
        response = bertil.post(self.prepare_url(held), {"q_elev_prata": "X"})
        assert response.status_code == 302 and response["Location"] == self.talk_url(held)
        assert held.pk not in {t.pk for t in pupil.talks_to_prepare(self.viewer("bertil", Role.CHILD))}
        assert not AnswerSet.objects.filter(talk=held).exists()

    # --- query counts ------------------------------------------------------------------------

    def _count(self, client: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def test_the_pupils_talk_list_takes_as_many_queries_for_1_as_for_5_talks(self) -> None:
        bertil = signed_in(self.cast.bertil, Role.CHILD)
        url = reverse("talks:pupil_talks")
        few = self._count(bertil, url)
        period = self.next_period
        for _n in range(4):
            period = term_start(period + dt.timedelta(days=190))
            talk = self.school_talk("bertil", period)
            AnswerSet.objects.create(
                talk=talk, part=Part.PUPIL, answers={"elev_prata": "X"}, updated_by=self.cast.bertil,
                updated_at=timezone.now(),
            )  # fmt: skip
        assert len(pupil.talks_to_prepare(self.viewer("bertil", Role.CHILD))) == 5
        assert self._count(bertil, url) == few

    def test_the_pupils_pages_take_a_fixed_number_of_queries(self) -> None:
        bertil = signed_in(self.cast.bertil, Role.CHILD)
        actions.answers_save(
            actor=self.viewer("bertil", Role.CHILD), talk=self.bertil_talk, part=Part.PUPIL, answers={"elev_prata": "X"}
        )
        # Session, user and person are part of every page; the pupil's form adds the talk, the
        # pupil's part and the booking; the talk page the parts, booking, agreements and notices.
        assert self._count(bertil, self.prepare_url(self.bertil_talk)) == 8
        assert self._count(bertil, self.talk_url(self.bertil_talk)) == 12
        assert self._count(bertil, reverse("talks:pupil_talks")) == 5

    # --- the guardians' export ---------------------------------------------------------------

    def test_the_guardians_export_holds_the_part_once_handed_in_and_never_a_draft(self) -> None:
        from folja.export.models import Export, ExportStatus
        from folja.export.tests.helpers import pdf_text, read_storage, zip_contents
        from folja.export.tests.test_export import SCHEMA

        actions.answers_save(
            actor=self.viewer("bertil", Role.CHILD),
            talk=self.bertil_talk,
            part=Part.PUPIL,
            answers={"elev_prata": "Ett utkast"},
        )

        def export_text() -> tuple[str, str]:
            Export.objects.all().delete()
            client = signed_in(self.cast.cecilia, Role.GUARDIAN)
            with self.captureOnCommitCallbacks(execute=True):
                client.post(reverse("export:child", args=[self.cast.bertil.uuid]))
            export = Export.objects.get(requested_by=self.cast.cecilia)
            assert export.status == ExportStatus.READY, export.failure
            data, files = zip_contents(read_storage(export.zip_file))
            jsonschema.validate(data, SCHEMA)  # docs/export-schema.json knows the pupil's part
            site = "\n".join(v.decode() for k, v in files.items() if k.endswith((".html", ".json")))
            return site, pdf_text(read_storage(export.pdf_file))

        site, pdf = export_text()
        assert "Ett utkast" not in site and "Ett utkast" not in pdf
        actions.answers_save(
            actor=self.viewer("bertil", Role.CHILD), talk=self.bertil_talk, part=Part.PUPIL,
            answers={"elev_prata": "Om rymden"}, hand_in=True,
        )  # fmt: skip
        site, pdf = export_text()
        assert "Om rymden" in site and "Om rymden" in pdf and "Elevens egen förberedelse" in pdf
