"""Development talks: talk templates (versioned), talks, answers, booking slots, bookings, agreements.

Reading goes through `folja.access.talks` only; writing through `folja.talks.actions` only.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from folja.curriculum.models import Goal
from folja.directory.models import Group, Organisation, Person, SchoolType
from folja.learninglog.models import Post


class Part(models.TextChoices):
    """The three parts of a talk template, each answered by someone else at another time."""

    GUARDIAN = "guardian", _("Vårdnadshavarnas förberedelse")
    STAFF = "staff", _("Personalens förberedelse")
    RECORD = "record", _("Anteckningar från samtalet")
    # The pupil's own preparation (school years, from year 1): answered by the pupil's own session
    # (talks/pupil.py), read by staff and guardians once handed in. docs/talks.md.
    PUPIL = "pupil", _("Elevens egen förberedelse")


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Fritext")
    SCALE = "scale", _("Skala")
    CHOICE = "choice", _("Val")


class TalkTemplate(models.Model):
    """A talk template of an organisation, or of one of its school units when the unit wants its own.

    The questions live in immutable versions: a talk points at the version it was planned with,
    so changing the template never alters talks already planned or held.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    school_unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="talk_templates",
        verbose_name=_("skolenhet"),
        help_text=_("Lämna tomt för en mall som gäller hela huvudmannen."),
    )
    name = models.CharField(_("namn"), max_length=200)
    # The school type (SS 12000 code) the template is written for; planning a group's talks
    # offers the template of the group's school type first. Empty: any school type.
    school_type = models.CharField(_("skolform"), max_length=16, choices=SchoolType.choices, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(_("arkiverad"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("samtalsmall")
        verbose_name_plural = _("samtalsmallar")

    def __str__(self) -> str:
        return self.name

    def current_version(self) -> TalkTemplateVersion | None:
        return self.versions.order_by("-number").first()


class TalkTemplateVersion(models.Model):
    """One immutable version of a template's questions.

    `content` is {"sections": [{"key", "part", "title", "questions": [{"key", "kind", "text",
    "help", "scale_min", "scale_max", "min_label", "max_label", "choices"}]}]}, validated by
    `folja.talks.templates.validate_content` before it is stored.
    """

    template = models.ForeignKey(TalkTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["template", "-number"]
        verbose_name = _("version av samtalsmall")
        verbose_name_plural = _("versioner av samtalsmallar")
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="talktemplateversion_unique")]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"

    def sections(self, part: str) -> list[dict]:
        """Return the sections of one part, in template order, in the interface language when the
        version is the built-in template (folja/talks/templates.py); as written otherwise."""
        from folja.talks.templates import localized_content  # templates.py imports these models

        content = localized_content(self.content, get_language())
        return [s for s in content.get("sections", []) if s.get("part") == part]

    def questions(self, part: str) -> list[dict]:
        return [q for s in self.sections(part) for q in s.get("questions", [])]


class TalkStatus(models.TextChoices):
    PLANNED = "planned", _("Planerat")
    BOOKED = "booked", _("Bokat")
    HELD = "held", _("Genomfört")
    SHARED = "shared", _("Dokumentation delad")


class TalkSettings(models.Model):
    """The booking rules a school unit sets for its development talks."""

    school_unit = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="talk_settings")
    change_deadline_hours = models.PositiveIntegerField(
        _("sista tid att boka, boka om eller avboka (timmar före samtalet)"), default=24
    )

    class Meta:
        verbose_name = _("inställningar för utvecklingssamtal")
        verbose_name_plural = _("inställningar för utvecklingssamtal")


class Talk(models.Model):
    """A development talk about one child in one period, held at one school unit.

    `school_unit` and `activity_date` play the same part as on a post: R1 and (later) R8 filter
    on them. `activity_date` is the planned day, then the booked day.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    school_unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="talks")
    group = models.ForeignKey(Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="talks")
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="talks")
    template_version = models.ForeignKey(TalkTemplateVersion, on_delete=models.PROTECT, related_name="talks")
    period_start = models.DateField(_("termin"))
    activity_date = models.DateField(_("datum"))
    status = models.CharField(_("status"), max_length=16, choices=TalkStatus.choices, default=TalkStatus.PLANNED)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    staff_preparation_shared_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    record_shared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "child__given_name"]
        verbose_name = _("utvecklingssamtal")
        verbose_name_plural = _("utvecklingssamtal")
        constraints = [
            models.UniqueConstraint(fields=["child", "school_unit", "period_start"], name="talk_one_per_child_period")
        ]
        indexes = [
            models.Index(fields=["child", "school_unit"], name="talk_child_unit"),
            models.Index(fields=["group", "period_start"], name="talk_group_period"),
        ]

    def __str__(self) -> str:
        return f"{self.child} {self.period_label}"

    @property
    def period_label(self) -> str:
        season = _("VT") if self.period_start.month < 7 else _("HT")
        return f"{season} {self.period_start.year}"

    @property
    def is_held(self) -> bool:
        return self.status in (TalkStatus.HELD, TalkStatus.SHARED)

    @property
    def record_is_shared(self) -> bool:
        return self.record_shared_at is not None


class AnswerSet(models.Model):
    """Answers to one part of a talk's template version.

    Guardian preparation: one row per guardian answering alone (`author` set), or one joint row
    (`author` empty) that every guardian of the child sees and edits. Staff preparation and the
    record: one row per talk (`author` empty), `updated_by` says who last saved it. The pupil's own
    part: one row per talk (`author` empty, `updated_by` the pupil), a draft until the pupil hands
    it in (`handed_in_at`); only then do staff and guardians read it (talks/access.py).
    """

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="answer_sets")
    part = models.CharField(max_length=16, choices=Part.choices)
    author = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answers = models.JSONField(default=dict)
    updated_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()
    # The pupil's part only: when the pupil handed it in ("Lämna till läraren"); empty: a draft.
    handed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["talk", "part"], condition=Q(author__isnull=True), name="answerset_one_shared_per_part"
            ),
            models.UniqueConstraint(
                fields=["talk", "part", "author"], condition=Q(author__isnull=False), name="answerset_one_per_author"
            ),
            models.CheckConstraint(
                condition=Q(part=Part.GUARDIAN) | Q(author__isnull=True), name="answerset_only_guardians_alone"
            ),
        ]

    @property
    def is_joint(self) -> bool:
        return self.part == Part.GUARDIAN and self.author_id is None


class TalkPostLink(models.Model):
    """A learning-log post staff chose to show the child's development at the talk."""

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="post_links")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["talk", "post"], name="talkpostlink_unique")]


class TalkGoalLink(models.Model):
    """A curriculum goal staff chose to talk about."""

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="goal_links")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["talk", "goal"], name="talkgoallink_unique")]


class FollowUp(models.TextChoices):
    OPEN = "open", _("Ej följd upp")
    DONE = "done", _("Genomförd")
    NOT_DONE = "not_done", _("Inte genomförd")


class Agreement(models.Model):
    """What was agreed at a talk: what, who, by when; followed up at the child's next talk."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="agreements")
    what = models.TextField(_("vad"), max_length=2000)
    who = models.CharField(_("vem"), max_length=200)
    due_date = models.DateField(_("till när"), null=True, blank=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    follow_up = models.CharField(_("uppföljning"), max_length=16, choices=FollowUp.choices, default=FollowUp.OPEN)
    follow_up_note = models.TextField(_("kommentar till uppföljningen"), max_length=2000, blank=True)
    followed_up_at = models.ForeignKey(
        Talk, on_delete=models.SET_NULL, null=True, blank=True, related_name="followed_up_agreements"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("överenskommelse")
        verbose_name_plural = _("överenskommelser")


class RecordReadConfirmation(models.Model):
    """A guardian's confirmation of having read the shared record of a talk."""

    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="read_confirmations")
    guardian = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["talk", "guardian"], name="recordread_unique")]


class BookingSlotQuerySet(models.QuerySet):
    def open(self) -> BookingSlotQuerySet:
        """Return slots not withdrawn by staff."""
        return self.filter(withdrawn_at__isnull=True)

    def upcoming(self, now: dt.datetime | None = None) -> BookingSlotQuerySet:
        return self.filter(starts_at__gt=now or timezone.now())


class BookingSlot(models.Model):
    """A time offered for a talk, to the families of a group or reserved for one child."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    school_unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="booking_slots")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, null=True, blank=True, related_name="booking_slots")
    child = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="booking_slots")
    starts_at = models.DateTimeField(_("börjar"))
    duration_minutes = models.PositiveIntegerField(_("längd (minuter)"))
    place = models.CharField(_("plats"), max_length=200, blank=True)
    video_url = models.URLField(_("länk till videomöte"), blank=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = BookingSlotQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("bokningsbar tid")
        verbose_name_plural = _("bokningsbara tider")
        constraints = [
            models.CheckConstraint(
                condition=Q(group__isnull=False) | Q(child__isnull=False), name="bookingslot_for_group_or_child"
            ),
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="bookingslot_positive_length"),
        ]
        indexes = [models.Index(fields=["school_unit", "starts_at"], name="bookingslot_unit_start")]

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)


class Booking(models.Model):
    """A family's booking of a slot for a talk. Cancelled bookings are kept for the history.

    At most one active booking per slot (a slot can never be booked twice) and per talk: both
    are partial unique constraints, so the database refuses a second booking even in a race.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slot = models.ForeignKey(BookingSlot, on_delete=models.PROTECT, related_name="bookings")
    talk = models.ForeignKey(Talk, on_delete=models.CASCADE, related_name="bookings")
    booked_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["slot"], condition=Q(cancelled_at__isnull=True), name="booking_one_active_per_slot"
            ),
            models.UniqueConstraint(
                fields=["talk"], condition=Q(cancelled_at__isnull=True), name="booking_one_active_per_talk"
            ),
        ]
