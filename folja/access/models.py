"""The audit log (R11): append-only for the application, protected by the database on PostgreSQL."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Person


class AuditAction(models.TextChoices):
    READ_TIMELINE = "read_timeline", _("läste lärloggen")
    READ_POST = "read_post", _("läste ett inlägg")
    READ_MEDIA = "read_media", _("öppnade en bild eller fil")
    READ_CONTACT = "read_contact", _("läste kontaktuppgifter")
    READ_GROUP_LOG = "read_group_log", _("läste gruppens lärlogg")
    READ_FEED = "read_feed", _("såg inlägget i flödet")
    HIDE_COMMENT = "hide_comment", _("dolde en kommentar")
    DELETE_POST = "delete_post", _("tog bort ett inlägg")
    PUBLISH_POST = "publish_post", _("publicerade ett inlägg")
    EDIT_POST = "edit_post", _("ändrade ett inlägg")
    # Access given by a principal (issue 28, access/connections.py).
    GRANT_CONTACT = "grant_contact", _("kopplade en kontaktperson till barnet")
    END_CONTACT = "end_contact", _("avslutade en kontaktpersons koppling")
    GRANT_NAMED_ACCESS = "grant_named_access", _("gav åtkomst till ett namngivet barn")
    END_NAMED_ACCESS = "end_named_access", _("avslutade åtkomst till ett namngivet barn")
    # Development talks (folja/talks).
    READ_TALK = "read_talk", _("läste ett utvecklingssamtal")
    READ_TALK_LIST = "read_talk_list", _("såg utvecklingssamtalet i en lista")
    PLAN_TALK = "plan_talk", _("planerade ett utvecklingssamtal")
    EDIT_TALK = "edit_talk", _("ändrade ett utvecklingssamtal")
    SHARE_TALK = "share_talk", _("delade ett utvecklingssamtal")
    BOOK_TALK = "book_talk", _("bokade en tid för utvecklingssamtal")
    CANCEL_TALK_BOOKING = "cancel_talk_booking", _("avbokade en tid för utvecklingssamtal")
    SET_TRANSITION_CONSENT = "set_transition_consent", _("svarade om samtycke vid övergång")
    READ_TERMS_STATUS = "read_terms_status", _("såg vilka som inte godkänt villkoren")
    # Exports of a portfolio (folja/export): not reads by staff, so not in "Vem har läst".
    REQUEST_EXPORT = "request_export", _("bad om en export av portfolion")
    DOWNLOAD_EXPORT = "download_export", _("laddade ned en export av portfolion")
    # A printed enrolment code for a guardian without e-ID (accounts/enrolment.py, issue 28).
    CREATE_ENROLMENT_CODE = "create_enrolment_code", _("skapade en inloggningskod till en vårdnadshavare")
    # The child's own voice (issue 29, docs/childs-voice.md).
    MARK_MEDIA = "mark_media", _("markerade att barnet inte vill att en bild visas")
    DECIDE_MARKER = "decide_marker", _("beslutade om en bild som barnet inte ville visa")
    CREATE_PUPIL_CODE = "create_pupil_code", _("skapade en inloggningskod till en elev")
    REVOKE_PUPIL_CODE = "revoke_pupil_code", _("spärrade en inloggningskod till en elev")
    APPROVE_POST = "approve_post", _("godkände ett inlägg som barnet skrivit")
    DECLINE_POST = "decline_post", _("avböjde ett inlägg som barnet skrivit")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ANN003, ANN201
        raise PermissionError("audit records cannot be changed")

    def delete(self):  # noqa: ANN201
        raise PermissionError("audit records cannot be deleted")


class AuditRecord(models.Model):
    """One recorded access to a child's data: who, in which role, which child, what, when."""

    # The three references carry no foreign-key constraint in the database (db_constraint=False).
    # PostgreSQL checks such a constraint row by row at COMMIT, locking the person's row (FOR KEY
    # SHARE) for every record: on a staff list page that is about 40 checks and locks for the 20
    # records of one read, and it halved the rate of audit INSERTs (bench/README.md). The log
    # must outlive and never block what it points at, and it cannot point at nothing: persons are
    # never deleted (they are ended or sealed, docs/sis.md), the ids come from rows the request
    # has just read, and the ORM still refuses to delete a person or unit with records (PROTECT).
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="audit_actions", db_constraint=False)
    actor_role = models.CharField(max_length=16)
    # Indexed as the first column of audit_child_at (Meta.indexes), which serves every lookup by
    # child; a single-column index of its own only cost upkeep on every record written.
    child = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, related_name="audit_reads", db_index=False, db_constraint=False
    )
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(max_length=32, blank=True)
    object_uuid = models.UUIDField(null=True, blank=True)
    school_unit = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_constraint=False
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("åtkomstlogg")
        verbose_name_plural = _("åtkomstlogg")
        indexes = [models.Index(fields=["child", "-at"], name="audit_child_at")]

    def save(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        if self.pk is not None:
            raise PermissionError("audit records cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        raise PermissionError("audit records cannot be deleted")
