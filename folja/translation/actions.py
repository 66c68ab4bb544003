"""Translating a post or a comment for a reader: through the access layer, from the cache, or
from the organisation's service (issue 32, B3; docs/languages.md).

Each function first asks the access layer for the post or comment as the reader may see it
(`learninglog.access`: the same Http404 for "missing" and "forbidden"), then the organisation's
service (`services.service_for`: Http404 when none may be used), and only then reads the cache or
sends the text. The original always stays as written; a translation is kept per post version and
language and goes with its post or comment.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.html import escape, strip_tags

from folja.access.roles import Viewer
from folja.learninglog import access as post_policy
from folja.learninglog.actions import sanitise_html
from folja.learninglog.models import Comment, Post
from folja.translation.backends import BackendError
from folja.translation.models import MachineTranslation
from folja.translation.services import Offered, service_for

logger = logging.getLogger(__name__)

# Staff write posts in Swedish (the platform's source language); comments come in any language.
POST_SOURCE_LANGUAGE = "sv"
COMMENT_SOURCE_LANGUAGE = "auto"


class TranslationFailed(Exception):
    """The service did not translate this time; the original is shown as it is."""


@dataclass
class PostTranslation:
    post: Post
    translation: MachineTranslation | None
    # The reader reads the post's own language: nothing to translate, nothing sent.
    same_language: bool = False


@dataclass
class CommentTranslation:
    comment: Comment
    translation: MachineTranslation | None


def _offered(organisation_id: int | None, language: str) -> Offered:
    """Return the organisation's service for a reader of `language`, or raise Http404."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise Http404
    offered = service_for(organisation_id)
    if offered is None:
        raise Http404
    return offered


def post_translate(*, actor: Viewer, post_uuid: str, language: str) -> PostTranslation:
    """Return the post the actor may read with its translation into `language`; translation None
    when the service failed this time (logged) or the post is in that language already. Http404
    when the actor may not read the post or the organisation offers no translation."""
    post = post_policy.get_post_for(actor, post_uuid)  # R1–R12: the access layer, Http404 alike
    offered = _offered(post.school_unit.organisation_id, language)
    if language == POST_SOURCE_LANGUAGE:
        return PostTranslation(post, None, same_language=True)
    cached = MachineTranslation.objects.filter(post=post, version=post.version, language=language).first()
    if cached is not None:
        return PostTranslation(post, cached)
    try:
        title, body = offered.backend.translate(
            [escape(post.title), post.body_html], source=POST_SOURCE_LANGUAGE, target=language, html=True
        )
    except BackendError as exc:
        _log_failure("post", str(post.uuid), language, offered, exc)
        return PostTranslation(post, None)
    row = MachineTranslation(
        post=post,
        version=post.version,
        language=language,
        title=html.unescape(strip_tags(title)).strip(),
        text=sanitise_html(body),  # a service's answer is never trusted as markup
        backend=offered.service.backend,
    )
    # Older versions' translations are of text no longer shown (the history keeps the originals).
    MachineTranslation.objects.filter(post=post).exclude(version=post.version).delete()
    return PostTranslation(post, _store(row, post=post, version=post.version, language=language))


def comment_translate(*, actor: Viewer, comment_uuid: str, language: str) -> CommentTranslation:
    """Return the comment the actor may read with its translation into `language` (None when the
    service failed this time). Http404 when the actor may not read the comment or its post's
    organisation offers no translation."""
    comment = post_policy.get_comment_for(actor, comment_uuid)  # R2: a family's thread, Http404 alike
    offered = _offered(comment.post.school_unit.organisation_id, language)
    cached = MachineTranslation.objects.filter(comment=comment, language=language).first()
    if cached is not None:
        return CommentTranslation(comment, cached)
    try:
        (text,) = offered.backend.translate([comment.body], source=COMMENT_SOURCE_LANGUAGE, target=language, html=False)
    except BackendError as exc:
        _log_failure("comment", str(comment.uuid), language, offered, exc)
        return CommentTranslation(comment, None)
    row = MachineTranslation(
        comment=comment, version=1, language=language, text=text.strip(), backend=offered.service.backend
    )
    return CommentTranslation(comment, _store(row, comment=comment, language=language))


def _store(row: MachineTranslation, **key: object) -> MachineTranslation:
    """Save a new translation; when another request saved the same one first, return theirs."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return MachineTranslation.objects.get(**key)
    return row


def _log_failure(kind: str, uuid: str, language: str, offered: Offered, exc: BackendError) -> None:
    # Which object, language and service, and why: never the text or a name.
    logger.warning(
        "machine translation failed: %s",
        exc,
        extra={
            "object_type": kind,
            "object_uuid": uuid,
            "language": language,
            "backend": offered.service.backend,
            "organisation_id": offered.service.organisation_id,
        },
    )
