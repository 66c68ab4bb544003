"""What an export contains for each role and relationship, and how it is asked for, built and served.

The cells follow the authorization matrix: the guardian of C exports C's portfolio as the
guardian sees it (R2/R3: on a group post only C, never another family's comments); nobody else
gets C's export; a sealed child (R5) and an ended custody cannot be exported.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
from django.core.files.storage import default_storage
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from folja.access.roles import Role, Viewer
from folja.directory.models import Guardianship
from folja.export import access as export_policy
from folja.export import actions
from folja.export.models import Export, ExportStatus
from folja.export.tests.helpers import add_photo, pdf_text, read_storage, zip_contents
from folja.notifications import rules
from folja.notifications.models import Notice
from folja.talks.models import Agreement, AnswerSet, Part, Talk, TalkStatus
from folja.talks.templates import default_talk_template
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in

SCHEMA = json.loads((Path(__file__).resolve().parents[3] / "docs" / "export-schema.json").read_text())
# What no export of Alva's may contain: other children, other families' words (R2/R3, R5).
FOREIGN = ["Bertil", "Sigge", "Kommentar cecilia_on_group", "Kommentar staff_to_bertil", "Inlägg alva_draft"]


class ExportContentTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        cls.photo = add_photo(cls.cast.posts["alva_individual"], cls.cast.teacher_blue, alt="Alva i sandlådan")
        cls.group_photo = add_photo(cls.cast.posts["blue_group"], cls.cast.teacher_blue)
        version = default_talk_template(cls.cast.org_a).current_version()
        now = timezone.now()
        talk = Talk.objects.create(
            organisation=cls.cast.org_a,
            school_unit=cls.cast.solrosen,
            group=cls.cast.blue,
            child=cls.cast.alva,
            template_version=version,
            period_start=dt.date(2026, 1, 1),
            activity_date=dt.date(2026, 2, 1),
            created_by=cls.cast.teacher_blue,
            status=TalkStatus.SHARED,
            held_at=now,
            record_shared_at=now,
        )
        key = version.questions(Part.RECORD)[0]["key"]
        AnswerSet.objects.create(
            talk=talk,
            part=Part.RECORD,
            answers={key: "Alva leker gärna med lera"},
            updated_by=cls.cast.teacher_blue,
            updated_at=now,
        )
        Agreement.objects.create(
            talk=talk, what="Läsa böcker hemma", who="Vårdnadshavarna", created_by=cls.cast.teacher_blue
        )

    def build(self, guardian: str, child: str, language: str = "sv") -> Export:
        client = signed_in(self.cast.persons[guardian], Role.GUARDIAN)
        with self.captureOnCommitCallbacks(execute=True):
            response = client.post(
                reverse("export:child", args=[self.cast.persons[child].uuid]), HTTP_ACCEPT_LANGUAGE=language
            )
        self.assertEqual(response.status_code, 302)
        export = Export.objects.get(requested_by=self.cast.persons[guardian])
        self.assertEqual(export.status, ExportStatus.READY, export.failure)
        self.client_for = client
        return export

    def test_guardian_of_c_gets_everything_they_see_of_c_and_nothing_of_other_families(self):
        export = self.build("anna", "alva")
        data, files = zip_contents(read_storage(export.zip_file))
        jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
        titles = [p["title"] for p in data["posts"]]
        self.assertCountEqual(
            titles, ["Inlägg alva_individual", "Inlägg blue_group", "Inlägg blue_group_without_bertil"]
        )
        group = next(p for p in data["posts"] if p["title"] == "Inlägg blue_group")
        self.assertEqual(group["children"], ["Alva Lind"])  # R2/R3: only the family's own child
        self.assertCountEqual(
            [c["text"] for c in group["comments"]], ["Kommentar anna_on_group", "Kommentar staff_to_all"]
        )
        self.assertEqual(data["child"], {"given_name": "Alva", "family_name": "Lind"})
        self.assertEqual(data["talks"][0]["agreements"][0]["what"], "Läsa böcker hemma")
        self.assertIn("Alva leker gärna med lera", json.dumps(data, ensure_ascii=False))
        self.assertEqual(data["goals"][0]["posts"], 3)
        # The original photos, byte for byte, at the paths the JSON names.
        individual = next(p for p in data["posts"] if p["title"] == "Inlägg alva_individual")
        self.assertEqual(files[individual["media"][0]["file"]], read_storage(self.photo.file.name))
        self.assertIn("index.html", files)
        self.assertIn("talks.html", files)
        text = "\n".join(v.decode() for k, v in files.items() if k.endswith((".html", ".json")))
        pdf = pdf_text(read_storage(export.pdf_file))
        for secret in FOREIGN:
            self.assertNotIn(secret, text)
            self.assertNotIn(secret, pdf)
        for expected in (
            "Alva Lind",
            "Inlägg alva_individual",
            "Kommentar anna_on_group",
            "Läsa böcker hemma",
            "Sida 1 av",
        ):
            self.assertIn(expected, pdf)
        self.assertEqual((export.post_count, export.media_count), (3, 2))

    def test_the_guardian_is_told_when_the_export_is_ready(self):
        export = self.build("anna", "alva")
        notice = Notice.objects.get(recipient=self.cast.anna, kind="export_ready")
        self.assertEqual((notice.child_id, notice.about_uuid), (export.child_id, export.uuid))
        self.assertEqual(notice.context["path"], f"/export/children/{export.child.uuid}/")
        viewer = Viewer(person=self.cast.anna, role=Role.GUARDIAN)
        self.assertEqual(list(rules.visible_notices(viewer)), [notice])  # a registered kind, shown
        Guardianship.objects.filter(responsible=self.cast.anna, child=export.child).delete()
        self.assertEqual(list(rules.visible_notices(viewer)), [])  # custody ended: the notice is gone

    def test_english_headings_for_a_guardian_reading_in_english(self):
        export = self.build("anna", "alva", language="en")
        pdf = pdf_text(read_storage(export.pdf_file))
        self.assertIn("Page 1 of", pdf)
        self.assertIn("Learning log", pdf)

    def test_guardian_of_a_child_who_moved_gets_both_units(self):
        export = self.build("gustav", "maja")
        data, _files = zip_contents(read_storage(export.zip_file))
        self.assertCountEqual([p["title"] for p in data["posts"]], ["Inlägg maja_preschool", "Inlägg maja_school"])

    def test_hidden_member_group_shows_only_the_own_child(self):
        export = self.build("david", "cleo")
        data, _files = zip_contents(read_storage(export.zip_file))
        self.assertEqual([p["children"] for p in data["posts"]], [[self.cast.cleo.full_name]])
        self.assertNotIn("Elin", json.dumps(data, ensure_ascii=False))

    def test_the_files_are_served_to_the_requester_only(self):
        export = self.build("anna", "alva")
        for kind in ("pdf", "zip"):
            url = reverse("export:file", args=[export.uuid, kind])
            response = self.client_for.get(url)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response["Cache-Control"], "private, no-store")
            self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
            for person in ("johan", "cecilia", "david"):  # the other household too: an export is its requester's
                self.assertEqual(signed_in(self.cast.persons[person], Role.GUARDIAN).get(url).status_code, 404)
            # Staff (connected ones too) and the child: not theirs, answered as missing.
            for person, role in [("alva", Role.CHILD), ("teacher_blue", Role.STAFF), ("principal", Role.STAFF)]:
                self.assertEqual(signed_in(self.cast.persons[person], role).get(url).status_code, 404)
            self.assertEqual(self.client.get(url).status_code, 302)  # anonymous: to the sign-in

    def test_an_ended_custody_ends_the_download_and_the_export_page(self):
        export = self.build("anna", "alva")
        Guardianship.objects.filter(child=self.cast.alva, responsible=self.cast.anna).delete()
        # Anna has no child left on the platform: her guardian session ends (302 to the sign-in).
        self.assertIn(self.client_for.get(reverse("export:file", args=[export.uuid, "pdf"])).status_code, (302, 404))
        self.assertIn(self.client_for.get(reverse("export:child", args=[self.cast.alva.uuid])).status_code, (302, 404))
        self.assertNotIn(export, list(export_policy.own_exports(self.cast.viewer("anna", Role.GUARDIAN))))

    def test_a_queued_export_whose_custody_ended_is_not_built(self):
        client = signed_in(self.cast.anna, Role.GUARDIAN)
        client.post(reverse("export:child", args=[self.cast.alva.uuid]))  # not run: no commit in a TestCase
        export = Export.objects.get(requested_by=self.cast.anna)
        Guardianship.objects.filter(child=self.cast.alva, responsible=self.cast.anna).delete()
        self.assertEqual(actions.export_build(export_id=export.pk), "not allowed")
        export.refresh_from_db()
        self.assertEqual((export.status, export.pdf_file, export.zip_file), (ExportStatus.FAILED, "", ""))

    def test_a_sealed_child_cannot_be_exported_by_anyone(self):
        for person, role in [("hanna", Role.GUARDIAN), ("teacher_blue", Role.STAFF)]:
            response = signed_in(self.cast.persons[person], role).post(
                reverse("export:child", args=[self.cast.sigge.uuid])
            )
            self.assertIn(response.status_code, (302, 403, 404))  # hanna has no child left to be a guardian of
        self.assertFalse(Export.objects.filter(child=self.cast.sigge).exists())

    def test_one_export_at_a_time_a_second_request_gets_the_running_one(self):
        client = signed_in(self.cast.anna, Role.GUARDIAN)
        client.post(reverse("export:child", args=[self.cast.alva.uuid]))
        client.post(reverse("export:child", args=[self.cast.alva.uuid]))
        self.assertEqual(Export.objects.filter(requested_by=self.cast.anna).count(), 1)
        export = Export.objects.get(requested_by=self.cast.anna)
        page = client.get(reverse("export:child", args=[self.cast.alva.uuid]))
        self.assertContains(page, f'data-export-status="{reverse("export:status", args=[export.uuid])}"')
        self.assertContains(page, "<progress")
        status = client.get(reverse("export:status", args=[export.uuid])).json()
        self.assertEqual(status, {"status": "queued", "progress": 0, "ready": False})

    def test_an_export_expires_and_its_files_are_deleted(self):
        export = self.build("anna", "alva")
        names = [export.pdf_file, export.zip_file]
        self.assertEqual(actions.exports_expire(timezone.now() + dt.timedelta(days=30)), 1)
        export.refresh_from_db()
        self.assertEqual(export.status, ExportStatus.EXPIRED)
        self.assertFalse(any(default_storage.exists(n) for n in names))
        self.assertEqual(self.client_for.get(reverse("export:file", args=[export.uuid, "zip"])).status_code, 404)
        self.assertEqual(actions.exports_expire(timezone.now() + dt.timedelta(days=30)), 0)
