"""Rows of the authorization matrix for the JSON API (folja/access/tests/test_matrix.py).

A cell named "api: X" asks the API what the page cell "X" asks the page, with the same roles
allowed: the same rules through every door. Its twins (TWINS, NOT_TWINS) are answered as the
page cell's. Denied answers are 404 (401 without a session); bodies are JSON ("[]" after a key:
a list), a "file:" value is sent as multipart.
"""

from __future__ import annotations

from folja.access.tests.test_matrix import ALL_STAFF, FAMILY_OF_C, ROLES, STAFF_OF_C, Cell

SIGNED_IN = frozenset(key for key, (person, role) in ROLES.items() if role is not None)
FAMILY_AND_STAFF = frozenset(FAMILY_OF_C | STAFF_OF_C)
GROUP_POST_READERS = frozenset(FAMILY_OF_C | STAFF_OF_C | {"guardian_other_child_same_group", "other_child"})
GUARDIAN_OF_C = frozenset({"guardian_of_c"})


# A file sent in parts (tus): Blåbären's teacher began it; a part of it, as a client sends one.
UPLOAD_PART = (
    ("Content-Type", "application/offset+octet-stream"),
    ("Upload-Offset", "0"),
    ("Tus-Resumable", "1.0.0"),
)
UPLOAD_OWNER = frozenset({"connected_staff"})


def build(cast) -> dict[str, str]:  # noqa: ANN001
    import datetime as dt

    from django.utils import timezone

    from folja.media.models import UploadSession

    session = UploadSession.objects.create(
        uploaded_by=cast.teacher_blue,
        length=1000,
        filename="film.mov",
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    return {"upload_session:blue": str(session.uuid)}


def cells() -> list[Cell]:
    c = Cell
    return [
        # Who I am, my children, groups and notices: every session, each answer filtered.
        c("api: me/read", "api:me", "GET", SIGNED_IN),
        c(
            "api: children/list",
            "api:children",
            "GET",
            SIGNED_IN,
            hides=(("guardian_other_child_same_group", "Alva Lind"),),
        ),
        c("api: groups/list", "api:groups", "GET", SIGNED_IN),
        c("api: notices/list", "api:notices", "GET", SIGNED_IN),
        # The learning log.
        c("api: timeline/read", "api:timeline", "GET", FAMILY_AND_STAFF, ("child:alva",)),
        c(
            "api: timeline/next page",
            "api:timeline",
            "GET",
            FAMILY_AND_STAFF,
            ("child:alva",),
            query="after=post:blue_group",
        ),
        c("api: timeline/by goal", "api:timeline", "GET", FAMILY_AND_STAFF, ("child:alva",), query="goal=goal:0"),
        c("api: individual post/read", "api:post", "GET", FAMILY_AND_STAFF, ("post:alva_individual",)),
        c("api: draft/read", "api:post", "GET", frozenset({"connected_staff"}), ("post:alva_draft",)),
        c(
            "api: group post/read",
            "api:post",
            "GET",
            GROUP_POST_READERS,
            ("post:blue_group",),
            # R2/R3: another family never sees Alva named on the group post.
            hides=(("guardian_other_child_same_group", "Alva Lind"), ("other_child", "Alva Lind")),
        ),
        c(
            "api: hidden group post/read",
            "api:post",
            "GET",
            frozenset({"guardian_hidden_member_group", "same_unit_not_connected", "principal"}),
            ("post:yellow_group",),
            hides=(("guardian_hidden_member_group", "Elin Strand"),),
        ),
        c("api: former unit post/read", "api:post", "GET", frozenset(), ("post:maja_preschool",)),
        c(
            "api: comment/create",
            "api:comment_create",
            "POST",
            GROUP_POST_READERS,
            ("post:blue_group",),
            (("body", "Hej!"),),
        ),
        c("api: media download/read", "api:media_download", "GET", FAMILY_AND_STAFF, ("media:alva_photo",)),
        c("api: member list/read", "api:group_members", "GET", GROUP_POST_READERS, ("group:blue",)),
        c(
            "api: hidden member list/read",
            "api:group_members",
            "GET",
            frozenset({"guardian_hidden_member_group", "same_unit_not_connected", "principal"}),
            ("group:yellow",),
            hides=(("guardian_hidden_member_group", "Elin Strand"),),
        ),
        # Staff: uploads, composing, editing, publishing, coverage.
        c("api: upload/create", "api:upload_create", "POST", ALL_STAFF, data=(("file", "file:photo"),)),
        # A file in parts: any staff member begins one; only its uploader sees or sends it (404 to all others).
        c(
            "api: resumable upload/create",
            "api:upload_session_create",
            "POST",
            ALL_STAFF,
            headers=(
                ("Upload-Length", "1000"),
                ("Upload-Metadata", "filename ZmlsbS5tb3Y="),
                ("Tus-Resumable", "1.0.0"),
            ),
        ),
        c("api: resumable upload/read", "api:upload_session", "GET", UPLOAD_OWNER, ("upload_session:blue",)),
        c(
            "api: resumable upload offset/read",
            "api:upload_session_head",
            "HEAD",
            UPLOAD_OWNER,
            ("upload_session:blue",),
            headers=(("Tus-Resumable", "1.0.0"),),
        ),
        c(
            "api: resumable upload/edit",
            "api:upload_session_append",
            "PATCH",
            UPLOAD_OWNER,
            ("upload_session:blue",),
            (("part", "\x00\x00\x00\x18ftypmp42"),),
            headers=UPLOAD_PART,
        ),
        c(
            "api: resumable upload/delete",
            "api:upload_session_delete",
            "DELETE",
            UPLOAD_OWNER,
            ("upload_session:blue",),
        ),
        c(
            "api: compose/create",
            "api:post_create",
            "POST",
            frozenset(STAFF_OF_C),
            data=(
                ("group", "group:blue"),
                ("kind", "individual"),
                ("children[]", "child:alva"),
                ("title", "Sandlådan"),
                ("body", "Alva byggde ett torn."),
                ("activity_date", "2026-01-12"),
            ),
        ),
        c(
            "api: individual post/edit",
            "api:post_edit",
            "PATCH",
            frozenset(STAFF_OF_C),
            ("post:alva_individual",),
            (("title", "Ny rubrik"), ("body", "Ny text"), ("activity_date", "2026-01-10")),
        ),
        c("api: draft/publish", "api:post_publish", "POST", frozenset({"connected_staff"}), ("post:alva_draft",)),
        c("api: group coverage/read", "api:group_coverage", "GET", frozenset(STAFF_OF_C), ("group:blue",)),
        # Talks.
        c("api: talk overview/list", "api:talks", "GET", ALL_STAFF),
        c("api: child's talks/list", "api:child_talks", "GET", FAMILY_AND_STAFF, ("child:alva",)),
        c("api: talk/read", "api:talk", "GET", FAMILY_AND_STAFF, ("talk:alva",)),
        c(
            "api: other family's talk/read",
            "api:talk",
            "GET",
            frozenset(STAFF_OF_C | {"guardian_other_child_same_group", "other_child"}),
            ("talk:bertil",),
        ),
        c("api: booking page/read", "api:talk_slots", "GET", GUARDIAN_OF_C, ("talk:alva",)),
        c(
            "api: booking/rebook to a free group slot",
            "api:talk_booking",
            "PUT",
            GUARDIAN_OF_C,
            ("talk:alva",),
            (("slot", "slot:blue_free"),),
        ),
        c(
            "api: booking/slot reserved for C",
            "api:talk_booking",
            "PUT",
            frozenset(),
            ("talk:bertil",),
            (("slot", "slot:alva_reserved"),),
        ),
        c("api: booking/cancel", "api:talk_booking_cancel", "DELETE", GUARDIAN_OF_C, ("talk:alva",)),
        c("api: guardian preparation/edit form", "api:talk_preparation", "GET", GUARDIAN_OF_C, ("talk:alva",)),
        c("api: guardian preparation/edit", "api:talk_preparation_save", "PUT", GUARDIAN_OF_C, ("talk:alva",)),
        # Notices, consent, exports.
        c("api: notice/open", "api:notice_read", "POST", GUARDIAN_OF_C, ("notice:anna_alva",)),
        c("api: transition consent/read", "api:consent", "GET", GUARDIAN_OF_C, ("child:alva",)),
        c(
            "api: transition consent/edit",
            "api:consent_answer",
            "PUT",
            GUARDIAN_OF_C,
            ("child:alva",),
            (("allowed", "true"),),
        ),
        c("api: export/create", "api:export_create", "POST", GUARDIAN_OF_C, ("child:alva",)),
        c("api: export progress/read", "api:export", "GET", GUARDIAN_OF_C, ("export:alva",)),
        c("api: export pdf/read", "api:export_file", "GET", GUARDIAN_OF_C, ("export:alva", "pdf")),
        c(
            "api: staff export pdf/read",
            "api:export_file",
            "GET",
            frozenset({"principal", "guardian_of_c"}),
            ("export:alva_by_staff", "pdf"),
        ),
    ]
