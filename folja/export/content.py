"""What an export contains, gathered through the access functions only.

The portfolio is read as its requester sees it: the child's timeline (`timeline_posts`), on each
post the named children this viewer sees (`named_visible_filter`: a family sees its own child
only, R2/R3), the comments this viewer may read (`comment_filter`: other families' never, R2),
the media of those posts (`visible_media`, R10), and the talks with the answer sets and
agreements shared with them (`folja.talks.access`). Posts come in chunks so memory stays flat
however long the portfolio is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.db.models import Prefetch, Q
from django.utils import timezone

from folja.access.roles import Viewer
from folja.curriculum.models import Goal
from folja.directory.models import Person
from folja.learninglog import access as post_policy
from folja.learninglog.models import Comment, PostChild
from folja.learninglog.text import html_to_text
from folja.media import access as media_policy
from folja.media.models import MediaStatus
from folja.talks import access as talk_policy
from folja.talks.templates import choice_label

CHUNK = 200
# The rendition a photo is printed from: sharp at A4 width (about 1,000 pixels at 150 dpi).
PRINT_RENDITION = "1280"
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "video/mp4": ".mp4"}


@dataclass
class MediaItem:
    """One media file of an exported post: what the JSON says, and where the bytes are."""

    data: dict
    storage_name: str
    print_name: str | None  # the rendition the PDF prints, None for films and files


@dataclass
class PostItem:
    data: dict
    media: list[MediaItem] = field(default_factory=list)


def _name(person: Person | None) -> str:
    if person is None or person.sealed_at is not None:
        return ""  # R5: a sealed author or commenter is named nowhere
    return person.full_name


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


class Portfolio:
    """A child's portfolio as one viewer may read it."""

    def __init__(self, viewer: Viewer, child: Person) -> None:
        self.viewer = viewer
        self.child = child
        self.posts = post_policy.timeline_posts(viewer, child).order_by("activity_date", "id")
        self._scope = post_policy.naming_scope(viewer)
        self._comments = post_policy.comment_filter(viewer)

    def counts(self) -> tuple[int, int]:
        """Return how many posts and media files the export will hold (for progress)."""
        post_ids = self.posts.values("pk")
        media = media_policy.visible_media(self.viewer).filter(post__in=post_ids, status=MediaStatus.READY)
        return self.posts.count(), media.count()

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        first = self.posts.values_list("activity_date", flat=True).first()
        last = self.posts.order_by("-activity_date").values_list("activity_date", flat=True).first()
        return first, last

    def header(self) -> dict:
        first, last = self.period()
        return {
            "format": "folja-portfolio",
            "version": 1,
            "exported_at": _iso(timezone.now()),
            "child": {"given_name": self.child.given_name, "family_name": self.child.family_name},
            "period": {"from": first.isoformat() if first else None, "to": last.isoformat() if last else None},
        }

    def chunks(self) -> Iterator[list[PostItem]]:
        """Yield the posts oldest first, CHUNK at a time, each with its visible parts."""
        last_key: tuple[dt.date, int] | None = None
        while True:
            posts = self.posts.select_related("school_unit", "group", "author").prefetch_related(
                Prefetch("goals", queryset=Goal.objects.order_by("area__seq", "seq"))
            )
            if last_key is not None:
                day, pk = last_key
                posts = posts.filter(Q(activity_date__gt=day) | Q(activity_date=day, pk__gt=pk))
            batch = list(posts.order_by("activity_date", "id")[:CHUNK])
            if not batch:
                return
            last_key = (batch[-1].activity_date, batch[-1].pk)
            yield self._items(batch)

    def _items(self, batch: list) -> list[PostItem]:
        ids = [p.pk for p in batch]
        names: dict[int, list[str]] = defaultdict(list)
        named = (
            PostChild.objects.filter(post__in=ids)
            .filter(post_policy.named_visible_filter(self._scope))  # R5, R2/R3: own child only
            .select_related("child")
            .order_by("child__given_name", "child__family_name")
        )
        for link in named:
            names[link.post_id].append(link.child.full_name)
        comments: dict[int, list[dict]] = defaultdict(list)
        for comment in (
            Comment.objects.filter(post__in=ids).filter(self._comments).select_related("author").order_by("created_at")
        ):  # R2: never another family's thread
            comments[comment.post_id].append(
                {
                    "author": _name(comment.author),
                    "role": comment.author_role,
                    "written_at": _iso(comment.created_at),
                    "text": comment.body,
                }
            )
        media: dict[int, list[MediaItem]] = defaultdict(list)
        for item in (
            media_policy.visible_media(self.viewer)  # R10: media follow their post
            .filter(post__in=ids, status=MediaStatus.READY)
            .prefetch_related("renditions")
            .order_by("seq", "id")
        ):
            media[item.post_id].append(_media_item(item))
        items = []
        for post in batch:
            data = {
                "id": str(post.uuid),
                "kind": post.kind,
                "title": post.title,
                "date": post.activity_date.isoformat(),
                "unit": post.school_unit.display_name,
                "group": post.group.display_name if post.group_id else None,
                "author": _name(post.author),
                "text": html_to_text(post.body_html),
                "html": post.body_html,
                "edited": post.is_edited,
                "children": names[post.pk],
                "goals": [{"key": g.key, "text": g.text} for g in post.goals.all()],
                "media": [m.data for m in media[post.pk]],
                "comments": comments[post.pk],
            }
            items.append(PostItem(data=data, media=media[post.pk]))
        return items

    def talks(self) -> list[dict]:
        """Return the child's talks with what is shared with the viewer, oldest first."""
        talks = (
            talk_policy.visible_talks(self.viewer)
            .filter(child=self.child)
            .select_related("school_unit", "template_version")
            .order_by("period_start", "id")
        )
        result = []
        for talk in talks:
            version = talk.template_version
            parts = []
            for answer_set in talk_policy.visible_answer_sets(self.viewer, talk).order_by("part", "id"):
                questions = version.questions(answer_set.part)
                parts.append(
                    {
                        "part": answer_set.part,
                        "answers": [
                            {
                                "question": q["text"],
                                "answer": str(choice_label(q, answer_set.answers.get(q["key"], ""))),
                            }
                            for q in questions
                        ],
                    }
                )
            agreements = [
                {
                    "what": a.what,
                    "who": a.who,
                    "due_date": a.due_date.isoformat() if a.due_date else None,
                    "follow_up": a.follow_up,
                    "follow_up_note": a.follow_up_note,
                }
                for a in talk_policy.visible_agreements(self.viewer, talk)
            ]
            result.append(
                {
                    "id": str(talk.uuid),
                    "period": talk.period_label,
                    "date": talk.activity_date.isoformat(),
                    "unit": talk.school_unit.display_name,
                    "status": talk.status,
                    "parts": parts,
                    "agreements": agreements,
                }
            )
        return result


def _media_item(media) -> MediaItem:  # noqa: ANN001
    extension = PurePosixPath(media.file.name).suffix.lower() or _EXTENSIONS.get(media.content_type, "")
    path = f"media/{media.uuid}{extension}"
    renditions = {r.name: r.file.name for r in media.renditions.all()}
    printable = renditions.get(PRINT_RENDITION) or (media.file.name if media.kind == "image" else None)
    if media.kind == "video":
        printable = renditions.get("poster")
    data = {
        "id": str(media.uuid),
        "kind": media.kind,
        "file": path,
        "content_type": media.content_type,
        "alt_text": media.alt_text,
        "width": media.width,
        "height": media.height,
        "byte_size": media.byte_size,
    }
    return MediaItem(data=data, storage_name=media.file.name, print_name=printable)


def goal_summary(goals: dict[str, dict]) -> list[dict]:
    """Return the goals the exported posts link to, most documented first."""
    return sorted(goals.values(), key=lambda g: (-g["posts"], g["key"]))
