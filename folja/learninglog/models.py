"""The learning log: posts about children, their goal links, edit history and comments.

Reading goes through `folja.access` only; writing through `folja.learninglog.actions` only.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from folja.curriculum.models import Goal
from folja.directory.models import Group, Organisation, Person


class PostKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individuellt inlägg")
    GROUP = "group", _("Gruppinlägg")


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("Utkast")
    PUBLISHED = "published", _("Publicerat")
    # A child's own post or reflection (issue 29): staff approve it before guardians see it.
    PENDING = "pending", _("Väntar på godkännande")
    DECLINED = "declined", _("Inte godkänt")


class PostQuerySet(models.QuerySet):
    def live(self) -> PostQuerySet:
        """Return posts that are not deleted."""
        return self.filter(deleted_at__isnull=True)

    def published(self) -> PostQuerySet:
        return self.live().filter(status=PostStatus.PUBLISHED)

    def newest_first(self) -> PostQuerySet:
        return self.order_by("-activity_date", "-id")


class PostState:
    """What a post's status and version say, shared by the model and the rows of a list."""

    status: str
    version: int

    @property
    def is_published(self) -> bool:
        return self.status == PostStatus.PUBLISHED

    @property
    def is_edited(self) -> bool:
        return self.version > 1


class Post(PostState, models.Model):
    """One piece of documentation, about one child or about a group naming its children.

    `school_unit` is where it was documented and `activity_date` when: the access rules R1 and
    R8 filter on both.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    school_unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="posts")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, null=True, blank=True, related_name="posts")
    kind = models.CharField(_("typ"), max_length=16, choices=PostKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=PostStatus.choices, default=PostStatus.DRAFT)
    author = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="authored_posts")
    title = models.CharField(_("rubrik"), max_length=200)
    body_html = models.TextField(_("text"), blank=True)
    activity_date = models.DateField(_("datum"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every saved edit; guardians see "ändrad" when above 1, caches key on it.
    version = models.PositiveIntegerField(default=1)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The child's own voice (issue 29): a child's reflection names the staff post it answers; staff
    # approve or decline a child's post (who and when); staff may quote the child ("med barnets egna ord").
    reflects_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reflections"
    )
    decided_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    childs_words = models.TextField(_("med barnets egna ord"), blank=True, max_length=4000)

    goals = models.ManyToManyField(Goal, through="PostGoal", related_name="posts")

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("inlägg")
        verbose_name_plural = _("inlägg")
        indexes = [
            models.Index(fields=["school_unit", "-activity_date", "-id"], name="post_unit_feed"),
            models.Index(fields=["group", "-activity_date", "-id"], name="post_group_feed"),
            models.Index(fields=["author", "status"], name="post_author_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=PostKind.INDIVIDUAL) | Q(group__isnull=False), name="post_group_post_has_group"
            )
        ]

    def __str__(self) -> str:
        return self.title


class PostChild(models.Model):
    """A child a post is about: one row for an individual post, one per named child for a group post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="post_children")
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="post_links")
    # Denormalised from the post so "posts about C, newest first" is one index scan.
    activity_date = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "child"], name="postchild_unique")]
        indexes = [models.Index(fields=["child", "-activity_date", "post"], name="postchild_timeline")]


class PostGoal(models.Model):
    """A link from a post to one curriculum goal (a versioned goal row: the text as linked)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="post_goals")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="post_goals")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "goal"], name="postgoal_unique")]


class PostVersion(models.Model):
    """The text of a post before an edit: the edit history staff can read."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body_html = models.TextField(blank=True)
    activity_date = models.DateField()
    saved_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField()

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["post", "version"], name="postversion_unique")]


class CommentAuthorRole(models.TextChoices):
    GUARDIAN = "guardian", _("Vårdnadshavare")
    STAFF = "staff", _("Personal")
    CHILD = "child", _("Barn")


class Comment(models.Model):
    """A reply on a post.

    `family_child` says whose family thread the comment belongs to (R2): a guardian's or a child's
    comment always has one; a staff comment has one when it answers a family, and none when it
    speaks to everyone the post is about.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="comments")
    author_role = models.CharField(max_length=16, choices=CommentAuthorRole.choices)
    family_child = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    body = models.TextField(_("kommentar"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("kommentar")
        verbose_name_plural = _("kommentarer")
        indexes = [models.Index(fields=["post", "family_child"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(author_role=CommentAuthorRole.STAFF) | Q(family_child__isnull=False),
                name="comment_family_comment_names_child",
            )
        ]


class PhotoConsent(models.Model):
    """Whether a child may appear in photos on posts that other families see (set by a guardian)."""

    child = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="photo_consent")
    allowed = models.BooleanField(_("får synas på bild"))
    set_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()


class Autosave(models.Model):
    """What a staff member is writing on the compose page, saved while she writes.

    One per writer and form (`key`: "group:<uuid>" for a new post in a group, "post:<uuid>" for an
    edit); deleted when the post is saved. Read back only by its writer, and only through the
    compose page, which offers the children and goals the writer may choose today
    (`learninglog.access.own_autosave`). A lost session or a closed tab loses no text.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    # The form's fields as sent: title, body, activity_date, kind, children, goals, uploads.
    data = models.JSONField(default=dict)
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "key"], name="autosave_unique_key")]
