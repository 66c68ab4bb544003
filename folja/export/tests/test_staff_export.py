"""A staff member's export on a guardian's behalf (issue 27): who may ask, for whom, what it holds,
who may fetch it, what is audited.

The content is the guardian's own export, byte for byte in its JSON (but the moment it was
made), never what the staff member sees: on a hidden-member group's post the staff member sees
both children named, the export names the guardian's own child only.
"""

from __future__ import annotations

import json

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from folja.access.models import AuditAction, AuditRecord
from folja.access.roles import Role, Viewer
from folja.directory.models import DutyAssignment, Guardianship
from folja.export import access as export_policy
from folja.export import actions
from folja.export.models import Export, ExportStatus
from folja.export.tests.helpers import add_photo, pdf_text, read_storage, zip_contents
from folja.learninglog import access as post_policy
from folja.learninglog.models import PostChild
from folja.notifications import rules
from folja.notifications.models import Notice
from folja.testing.cast import build_cast
from folja.testing.sessions import signed_in

REASON = "Vårdnadshavaren bad om hjälp vid hämtningen"


def without_moment(data: dict) -> dict:
    """The portfolio's JSON without the moment it was made (the only part two builds differ in)."""
    return {key: value for key, value in data.items() if key != "exported_at"}


class StaffExportTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.cast = build_cast()
        add_photo(cls.cast.posts["yellow_group"], cls.cast.minder_yellow, alt="Lera")
        add_photo(cls.cast.posts["blue_group"], cls.cast.teacher_blue)

    def page(self, child: str) -> str:
        return reverse("export:for_guardian", args=[self.cast.persons[child].uuid])

    def ask(self, staff: str, child: str, guardian: str, reason: str = REASON, *, run: bool = True):  # noqa: ANN201
        client = signed_in(self.cast.persons[staff], Role.STAFF)
        data = {"guardian": str(self.cast.persons[guardian].uuid), "reason": reason}
        with self.captureOnCommitCallbacks(execute=run):
            response = client.post(self.page(child), data)
        return client, response

    def own_export(self, guardian: str, child: str) -> Export:
        client = signed_in(self.cast.persons[guardian], Role.GUARDIAN)
        with self.captureOnCommitCallbacks(execute=True):
            client.post(reverse("export:child", args=[self.cast.persons[child].uuid]))
        return Export.objects.get(requested_by=self.cast.persons[guardian])

    def staff_export(self, staff: str, child: str, guardian: str) -> Export:
        _client, response = self.ask(staff, child, guardian)
        self.assertEqual(response.status_code, 302)
        export = Export.objects.get(requested_by=self.cast.persons[staff])
        self.assertEqual(export.status, ExportStatus.READY, export.failure)
        return export

    # What it holds -----------------------------------------------------------------------------

    def test_the_content_is_the_guardians_own_export_not_the_staff_view(self):
        # The staff member sees both children of the hidden-member group's post named.
        staff = Viewer(self.cast.minder_yellow, Role.STAFF)
        named = PostChild.objects.filter(post=self.cast.posts["yellow_group"]).filter(
            post_policy.named_visible_filter(post_policy.naming_scope(staff))
        )
        self.assertCountEqual([n.child.given_name for n in named], ["Cleo", "Elin"])

        by_staff = self.staff_export("minder_yellow", "cleo", "david")
        own = self.own_export("david", "cleo")
        staff_data, staff_files = zip_contents(read_storage(by_staff.zip_file))
        own_data, _files = zip_contents(read_storage(own.zip_file))
        self.assertEqual(without_moment(staff_data), without_moment(own_data))
        self.assertEqual([p["children"] for p in staff_data["posts"]], [["Cleo Berg"]])
        text = "\n".join(v.decode() for k, v in staff_files.items() if k.endswith((".html", ".json")))
        for secret in ("Elin", "Strand"):
            self.assertNotIn(secret, text)
            self.assertNotIn(secret, pdf_text(read_storage(by_staff.pdf_file)))
        self.assertEqual((by_staff.on_behalf_of, by_staff.role, by_staff.reason), (self.cast.david, "staff", REASON))

    def test_a_group_post_keeps_to_the_guardians_family(self):
        by_staff = self.staff_export("teacher_blue", "alva", "anna")
        data, _files = zip_contents(read_storage(by_staff.zip_file))
        group = next(p for p in data["posts"] if p["title"] == "Inlägg blue_group")
        self.assertEqual(group["children"], ["Alva Lind"])  # not Bertil, whom the teacher sees
        # The own household's comments and staff's to all; never another family's.
        self.assertCountEqual(
            [c["text"] for c in group["comments"]], ["Kommentar anna_on_group", "Kommentar staff_to_all"]
        )
        dumped = json.dumps(data, ensure_ascii=False)
        for secret in ("Bertil", "Sigge", "Kommentar cecilia_on_group", "Kommentar staff_to_bertil", "alva_draft"):
            self.assertNotIn(secret, dumped)
        self.assertEqual(
            without_moment(data),
            without_moment(zip_contents(read_storage(self.own_export("anna", "alva").zip_file))[0]),
        )

    # Who may ask, for whom ---------------------------------------------------------------------

    def test_the_page_offers_the_guardians_who_may_export_the_child_now(self):
        client = signed_in(self.cast.teacher_blue, Role.STAFF)
        response = client.get(self.page("alva"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["guardians"], [self.cast.anna, self.cast.johan])  # not "Annan ansvarig"
        Guardianship.objects.filter(child=self.cast.alva, responsible=self.cast.johan).delete()
        self.assertEqual(client.get(self.page("alva")).context["guardians"], [self.cast.anna])

    def test_no_export_for_a_guardian_whose_custody_ended(self):
        Guardianship.objects.filter(child=self.cast.alva, responsible=self.cast.johan).delete()
        _client, response = self.ask("teacher_blue", "alva", "johan")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Den vårdnadshavaren kan inte få en export av barnets portfolio nu.")
        self.assertFalse(Export.objects.exists())
        # Nor for a guardian of another child, nor for a person who is no guardian of the child.
        for guardian in ("cecilia", "teacher_blue"):
            _client, response = self.ask("teacher_blue", "alva", guardian)
            self.assertEqual(response.status_code, 200)
        self.assertFalse(Export.objects.exists())

    def test_a_reason_is_required(self):
        _client, response = self.ask("teacher_blue", "alva", "anna", reason="   ")
        self.assertContains(response, "Skriv varför du gör exporten.")
        self.assertFalse(Export.objects.exists())

    def test_staff_not_connected_get_404_as_for_a_missing_child(self):
        missing = reverse("export:for_guardian", args=["00000000-0000-4000-8000-000000000000"])
        for staff in ("minder_yellow", "teacher_larkan", "teacher_granen"):
            client = signed_in(self.cast.persons[staff], Role.STAFF)
            self.assertEqual(client.get(self.page("alva")).status_code, 404)
            self.assertEqual(client.get(missing).status_code, 404)
            _client, response = self.ask(staff, "alva", "anna")
            self.assertEqual(response.status_code, 404)
        self.assertEqual(signed_in(self.cast.anna, Role.GUARDIAN).get(self.page("alva")).status_code, 403)
        self.assertFalse(Export.objects.exists())

    def test_a_sealed_child_is_exported_by_nobody(self):
        _client, response = self.ask("teacher_blue", "sigge", "hanna")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Export.objects.exists())

    def test_one_running_export_per_requester(self):
        self.ask("teacher_blue", "alva", "anna", run=False)
        _client, response = self.ask("teacher_blue", "alva", "johan", run=False)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Export.objects.filter(requested_by=self.cast.teacher_blue).count(), 1)
        # The guardian's own export is theirs: not held up by the staff member's.
        self.own_export("anna", "alva")
        self.assertEqual(Export.objects.count(), 2)

    # Who may fetch it ---------------------------------------------------------------------------

    def test_the_requester_and_the_guardian_fetch_it_nobody_else(self):
        export = self.staff_export("teacher_blue", "alva", "anna")
        url = reverse("export:file", args=[export.uuid, "pdf"])
        status = reverse("export:status", args=[export.uuid])
        self.assertEqual(signed_in(self.cast.teacher_blue, Role.STAFF).get(url).status_code, 200)
        anna = signed_in(self.cast.anna, Role.GUARDIAN)
        self.assertEqual(anna.get(url).status_code, 200)
        self.assertEqual(anna.get(status).json()["status"], "ready")
        self.assertContains(anna.get(reverse("export:child", args=[self.cast.alva.uuid])), "gjord av förskolan åt dig")
        for person, role in [
            ("principal", Role.STAFF),  # connected, but not the one who asked
            ("johan", Role.GUARDIAN),  # the other household asks for its own
            ("cecilia", Role.GUARDIAN),
            ("alva", Role.CHILD),
        ]:
            self.assertEqual(signed_in(self.cast.persons[person], role).get(url).status_code, 404, person)

    def test_the_requester_loses_it_when_no_longer_connected(self):
        export = self.staff_export("teacher_blue", "alva", "anna")
        url = reverse("export:file", args=[export.uuid, "zip"])
        DutyAssignment.objects.filter(duty__person=self.cast.teacher_blue).delete()
        self.assertEqual(signed_in(self.cast.teacher_blue, Role.STAFF).get(url).status_code, 404)
        self.assertEqual(signed_in(self.cast.anna, Role.GUARDIAN).get(url).status_code, 200)  # still hers

    def test_the_requester_loses_it_when_the_guardians_custody_ends(self):
        export = self.staff_export("teacher_blue", "alva", "anna")
        Guardianship.objects.filter(child=self.cast.alva, responsible=self.cast.anna).delete()
        client = signed_in(self.cast.teacher_blue, Role.STAFF)
        self.assertEqual(client.get(reverse("export:file", args=[export.uuid, "pdf"])).status_code, 404)
        self.assertEqual(client.get(reverse("export:status", args=[export.uuid])).status_code, 404)
        self.assertNotIn(export, client.get(self.page("alva")).context["exports"])

    def test_the_worker_builds_nothing_once_the_requester_or_the_guardian_lost_the_child(self):
        self.ask("teacher_blue", "alva", "anna", run=False)
        export = Export.objects.get(requested_by=self.cast.teacher_blue)
        DutyAssignment.objects.filter(duty__person=self.cast.teacher_blue).delete()
        self.assertEqual(actions.export_build(export_id=export.pk), "not allowed")
        self.ask("principal", "alva", "johan", run=False)
        export = Export.objects.get(requested_by=self.cast.principal)
        Guardianship.objects.filter(child=self.cast.alva, responsible=self.cast.johan).delete()
        self.assertEqual(actions.export_build(export_id=export.pk), "not allowed")
        self.assertFalse(Export.objects.filter(status=ExportStatus.READY).exists())

    # Told and audited ---------------------------------------------------------------------------

    def test_the_guardian_and_the_requester_are_told(self):
        export = self.staff_export("teacher_blue", "alva", "anna")
        guardian_notice = Notice.objects.get(recipient=self.cast.anna, kind="export_ready")
        self.assertEqual(
            (guardian_notice.role, guardian_notice.about_uuid, guardian_notice.context["path"]),
            ("guardian", export.uuid, reverse("export:child", args=[self.cast.alva.uuid])),
        )
        staff_notice = Notice.objects.get(recipient=self.cast.teacher_blue, kind="export_ready")
        self.assertEqual((staff_notice.role, staff_notice.context["path"]), ("staff", self.page("alva")))
        self.assertEqual(list(rules.visible_notices(Viewer(self.cast.teacher_blue, Role.STAFF))), [staff_notice])
        self.assertEqual(list(rules.visible_notices(Viewer(self.cast.anna, Role.GUARDIAN))), [guardian_notice])

    def test_the_request_and_each_download_are_audited_with_both_persons(self):
        export = self.staff_export("teacher_blue", "alva", "anna")
        signed_in(self.cast.teacher_blue, Role.STAFF).get(reverse("export:file", args=[export.uuid, "pdf"]))
        signed_in(self.cast.anna, Role.GUARDIAN).get(reverse("export:file", args=[export.uuid, "zip"]))
        rows = list(
            AuditRecord.objects.filter(action__in=[AuditAction.REQUEST_EXPORT, AuditAction.DOWNLOAD_EXPORT])
            .order_by("id")
            .values_list("actor", "actor_role", "child", "action", "object_type", "object_uuid")
        )
        teacher, anna, alva = self.cast.teacher_blue.pk, self.cast.anna.pk, self.cast.alva.pk
        self.assertEqual(
            rows,
            [
                (teacher, "staff", alva, "request_export", "export", export.uuid),
                (teacher, "staff", alva, "request_export", "on_behalf_of", self.cast.anna.uuid),
                (teacher, "staff", alva, "download_export", "export_pdf", export.uuid),
                (teacher, "staff", alva, "download_export", "on_behalf_of", self.cast.anna.uuid),
                (anna, "guardian", alva, "download_export", "export_zip", export.uuid),
                (anna, "guardian", alva, "download_export", "on_behalf_of", self.cast.anna.uuid),
            ],
        )

    # Query counts ------------------------------------------------------------------------------

    def test_the_page_reads_in_a_fixed_number_of_queries(self):
        client = signed_in(self.cast.teacher_blue, Role.STAFF)
        client.get(self.page("alva"))  # the session's first request
        with CaptureQueriesContext(connection) as empty:
            self.assertEqual(client.get(self.page("alva")).status_code, 200)
        for guardian in ("anna", "johan", "anna"):
            self.ask("teacher_blue", "alva", guardian)
        self.assertEqual(Export.objects.filter(requested_by=self.cast.teacher_blue).count(), 3)
        # Their notices read, so the header asks what it asked before (one query while nothing is unread).
        Notice.objects.filter(recipient=self.cast.teacher_blue).update(read_at=timezone.now())
        with CaptureQueriesContext(connection) as three:
            response = client.get(self.page("alva"))
        self.assertEqual(len(response.context["exports"]), 3)
        self.assertEqual(len(three), len(empty))  # the list is one query, however many exports
        # Session, user, connections, the child's guardians, each guardian's children (two here),
        # the exports, whether one runs, the header's unread notices.
        self.assertLessEqual(len(three), 10)

    def test_the_staff_timeline_offers_the_export(self):
        client = signed_in(self.cast.teacher_blue, Role.STAFF)
        self.assertContains(client.get(reverse("learninglog:timeline", args=[self.cast.alva.uuid])), self.page("alva"))
        anna = signed_in(self.cast.anna, Role.GUARDIAN)
        self.assertNotContains(anna.get(reverse("learninglog:timeline", args=[self.cast.alva.uuid])), self.page("alva"))

    def test_may_export_for_is_the_guardians_rule_asked_for_the_guardian(self):
        staff = Viewer(self.cast.teacher_blue, Role.STAFF)
        self.assertTrue(export_policy.may_export_for(staff, self.cast.alva, self.cast.anna))
        self.assertFalse(export_policy.may_export_for(staff, self.cast.alva, self.cast.cecilia))
        self.assertFalse(
            export_policy.may_export_for(Viewer(self.cast.anna, Role.GUARDIAN), self.cast.alva, self.cast.anna)
        )
        self.assertFalse(
            export_policy.may_export_for(Viewer(self.cast.minder_yellow, Role.STAFF), self.cast.alva, self.cast.anna)
        )
