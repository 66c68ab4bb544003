"""Authorization matrix rows for R8 per child: a group post naming a moved child whose family
consented (Tyra), a moved child whose family did not (Viggo) and a child who stayed (Alva).

The receiving teacher (teacher_fklass, "receiving_school_without_consent" for Maja and Viggo)
reads the post as it concerns Tyra alone, never edits, deletes, hides or comments on it, and
finds nothing of it on Viggo's timeline (folja/testing/cast.py: build_mixed_transition).
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.base import ContentFile
from PIL import Image

from folja.access.tests.test_matrix import FAMILY_OF_C, STAFF_OF_C, Cell
from folja.media.models import Media, MediaKind, MediaStatus, Rendition
from folja.talks.models import Talk
from folja.talks.templates import default_talk_template
from folja.testing.cast import Cast, build_mixed_transition

RECEIVING = "receiving_school_without_consent"
# Everyone who reads the post: Alva's family and staff (through Alva), the receiving teacher (through Tyra).
READERS = frozenset(FAMILY_OF_C | STAFF_OF_C | {RECEIVING})
# Only staff connected at the post's own unit to a child it names edit, delete, moderate and comment.
EDITORS = frozenset(STAFF_OF_C)

# What of the post belongs to whom.
TYRA = ("Tyra Sol", "Kommentar kerstin_on_mixed")
VIGGO = ("Viggo", "Kommentar lars_on_mixed", "Kommentar staff_to_viggo_on_mixed")
ALVA = ("Alva", "Kommentar anna_on_mixed")
HIDDEN = ("Kommentar kerstin_hidden_on_mixed",)
TO_ALL = "Kommentar staff_to_all_on_mixed"
POST = "Inlägg mixed_group"


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (40, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def build(cast: Cast) -> dict[str, str]:
    made = build_mixed_transition(cast)
    media = Media(
        post=made["mixed_group"],
        kind=MediaKind.IMAGE,
        status=MediaStatus.READY,
        content_type="image/jpeg",
        uploaded_by=cast.teacher_blue,
        original_name="lek.jpg",
    )
    media.file.save("matrix/mixed.jpg", ContentFile(_photo()), save=False)
    media.save()
    rendition = Rendition(media=media, name="320", content_type="image/jpeg")
    rendition.file.save("matrix/mixed320.jpg", ContentFile(_photo()), save=False)
    rendition.save()
    # Tyra's development talk at the preschool, 100 days ago: R8 shares it, read-only.
    version = default_talk_template(cast.org_a).current_version()
    talk = Talk.objects.create(
        organisation=cast.org_a,
        school_unit=cast.solrosen,
        group=cast.blue,
        child=cast.tyra,
        template_version=version,
        period_start=cast.day - dt.timedelta(days=130),
        activity_date=cast.day - dt.timedelta(days=100),
        created_by=cast.teacher_blue,
    )
    return {"media:mixed_photo": str(media.uuid), "talk:tyra_preschool": str(talk.uuid)}


def _hides(role: str, texts: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((role, text) for text in texts)


def cells() -> list[Cell]:
    c = Cell
    return [
        # Each child's timeline as the receiving teacher reads it.
        c(
            "mixed transition/timeline of the consenting child",
            "learninglog:timeline",
            "GET",
            frozenset({RECEIVING}),
            ("child:tyra",),
            shows=((RECEIVING, POST), (RECEIVING, "Tyra Sol")),
            hides=_hides(RECEIVING, ("Viggo", "Alva")),
        ),
        c(
            "mixed transition/timeline of the child without consent",
            "learninglog:timeline",
            "GET",
            frozenset({RECEIVING}),
            ("child:viggo",),
            hides=(("*", POST), ("*", "Tyra"), ("*", "Alva")),
        ),
        c(
            "mixed transition/timeline of the child who stayed",
            "learninglog:timeline",
            "GET",
            frozenset(FAMILY_OF_C | STAFF_OF_C),
            ("child:alva",),
            shows=(("*", POST),),
            hides=(("*", "Viggo"), ("*", "Tyra")),
        ),
        # The post itself: its names and its comments, per reader.
        c(
            "mixed transition/post, names and comments",
            "learninglog:post",
            "GET",
            READERS,
            ("post:mixed_group",),
            shows=(
                *((RECEIVING, t) for t in (*TYRA, TO_ALL)),
                *(("guardian_of_c", t) for t in (*ALVA, TO_ALL)),
                *(("connected_staff", t) for t in (*ALVA, TO_ALL, *HIDDEN[:0])),
            ),
            hides=(
                *_hides(RECEIVING, (*VIGGO, *ALVA, *HIDDEN, 'id="comment-form"', "Dölj kommentaren", "Redigera")),
                *_hides("guardian_of_c", (*VIGGO, *TYRA, *HIDDEN)),
                *_hides("child_c", (*VIGGO, *TYRA, *HIDDEN)),
                # Staff of the preschool lost Tyra and Viggo when they left (R6): only Alva's part.
                *_hides("connected_staff", (*VIGGO, *TYRA)),
                *_hides("principal", (*VIGGO, *TYRA)),
            ),
        ),
        # Media follow the post (R10), for the receiving teacher as for Tyra's guardians.
        c("mixed transition/media page", "media:page", "GET", READERS, ("media:mixed_photo",)),
        c("mixed transition/media file", "media:file", "GET", READERS, ("media:mixed_photo",)),
        c("mixed transition/rendition", "media:rendition", "GET", READERS, ("media:mixed_photo", "320")),
        # Read-only for the receiving unit.
        c("mixed transition/edit form", "learninglog:post_edit", "GET", EDITORS, ("post:mixed_group",)),
        c(
            "mixed transition/edit",
            "learninglog:post_edit",
            "POST",
            EDITORS,
            ("post:mixed_group",),
            (("title", "Ny rubrik"), ("body", "Ny text"), ("activity_date", "2026-01-10"), ("children", "child:alva")),
        ),
        c("mixed transition/delete", "learninglog:post_delete", "POST", EDITORS, ("post:mixed_group",)),
        c("mixed transition/history", "learninglog:post_history", "GET", EDITORS, ("post:mixed_group",)),
        c(
            "mixed transition/comment",
            "learninglog:comment_create",
            "POST",
            frozenset(FAMILY_OF_C | EDITORS),
            ("post:mixed_group",),
            (("body", "Hej från skolan"),),
        ),
        c(
            "mixed transition/hide the staying family's comment",
            "learninglog:comment_hide",
            "POST",
            EDITORS,
            ("comment:anna_on_mixed",),
        ),
        # Tyra's family's comment: the receiving teacher reads it but never moderates it, and the
        # preschool's staff lost Tyra when she left (R6).
        c(
            "mixed transition/hide the consenting family's comment",
            "learninglog:comment_hide",
            "POST",
            frozenset(),
            ("comment:kerstin_on_mixed",),
        ),
        # Tyra's talk at the preschool: the receiving teacher reads it, and prepares or records nothing in it.
        c("mixed transition/talk", "talks:talk", "GET", frozenset({RECEIVING}), ("talk:tyra_preschool",)),
        c(
            "mixed transition/talk staff preparation",
            "talks:staff_preparation",
            "GET",
            frozenset(),
            ("talk:tyra_preschool",),
        ),
        c("mixed transition/talk record", "talks:record", "GET", frozenset(), ("talk:tyra_preschool",)),
        c("mixed transition/talk mark held", "talks:mark_held", "POST", frozenset(), ("talk:tyra_preschool",)),
        # Coverage of each moved child at the receiving unit: R1 there, nothing of the preschool's.
        c(
            "mixed transition/coverage of the child without consent",
            "curriculum:child_coverage",
            "GET",
            frozenset({RECEIVING}),
            ("child:viggo",),
            query="format=csv",
        ),
    ]
