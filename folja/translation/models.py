"""Machine translation of posts and comments (issue 32, B3): the organisation's choice of service
and the translations made, kept per post version and language.

A translation is child data like the text it translates: it is read only after the access layer
has shown the reader the post or comment (`folja.pages.translation.views`), and it goes with its
post or comment (CASCADE), so culling and deleting take it along (docs/languages.md).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from folja.directory.models import Organisation


class TranslationService(models.Model):
    """An organisation's (huvudman's) machine translation service; none unless it chooses one.

    Nothing is sent to the service unless `enabled` is on and the organisation's current terms of
    use name it (`service_name` appears in their text): `services.service_for` checks both on
    every use, so terms published later without the name switch it off at once."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="translation_service",
        limit_choices_to={"organisation__isnull": True},
        verbose_name=_("huvudman"),
    )
    backend = models.CharField(_("tjänst"), max_length=32)
    service_name = models.CharField(
        _("tjänstens namn i användarvillkoren"),
        max_length=200,
        help_text=_("Skriv namnet precis som det står i huvudmannens användarvillkor."),
    )
    enabled = models.BooleanField(_("påslagen"), default=False)
    changed_at = models.DateTimeField(_("ändrad"), auto_now=True)

    class Meta:
        verbose_name = _("tjänst för maskinöversättning")
        verbose_name_plural = _("tjänster för maskinöversättning")

    def __str__(self) -> str:
        return self.service_name


class MachineTranslation(models.Model):
    """One post (title and text, at one version) or one comment, machine-translated into one language."""

    post = models.ForeignKey(
        "learninglog.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="machine_translations"
    )
    comment = models.ForeignKey(
        "learninglog.Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="machine_translations"
    )
    # The post's version translated; a comment is never edited, so its rows carry 1.
    version = models.PositiveIntegerField()
    language = models.CharField(max_length=16)
    title = models.TextField(blank=True)
    # A post's text as sanitised HTML (the same tags a post keeps); a comment's as plain text.
    text = models.TextField(blank=True)
    backend = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, comment__isnull=True) | Q(post__isnull=True, comment__isnull=False),
                name="machine_translation_of_one_thing",
            ),
            models.UniqueConstraint(
                fields=["post", "version", "language"],
                condition=Q(post__isnull=False),
                name="machine_translation_post_unique",
            ),
            models.UniqueConstraint(
                fields=["comment", "language"],
                condition=Q(comment__isnull=False),
                name="machine_translation_comment_unique",
            ),
        ]
