"""Rows of the authorization matrix for the child's own voice (issue 29; test_matrix.py).

Alva has a reflection waiting for approval on her individual post: she and the staff connected
to her at Solrosen read it; her guardians only once it is approved; nobody else ever. Tove and
Tora, who teach her group, have the notice that it waits for their approval (Tora's shown in her
session of organisation A, not of B; Tove's opens for her alone)."""

from __future__ import annotations

from folja.access.tests.test_matrix import ROLES, Cell

STAFF_OF_C = frozenset({"connected_staff", "principal"})
PENDING_TEXT = "Alva har skrivit en reflektion som väntar"
TOLD = frozenset({"connected_staff", "two_organisations_via_a"})


def build(cast) -> dict[str, str]:  # noqa: ANN001
    from folja.learninglog.models import Post, PostChild, PostKind, PostStatus

    post = cast.posts["alva_individual"]
    pending = Post.objects.create(
        organisation=post.organisation,
        school_unit=post.school_unit,
        kind=PostKind.INDIVIDUAL,
        status=PostStatus.PENDING,
        author=cast.alva,
        title="Alvas reflektion",
        body_html="<p>Jag tyckte om sandlådan.</p>",
        activity_date=post.activity_date,
        reflects_on=post,
    )
    PostChild.objects.create(post=pending, child=cast.alva, activity_date=post.activity_date)
    from folja.learninglog import notices

    told = {notice.recipient_id: notice for notice in notices.child_post_pending(pending)}
    # Tove and Tora (who teaches Blåbären too, in organisation A) are asked; nobody else.
    assert set(told) == {cast.teacher_blue.pk, cast.persons["teacher_two_orgs"].pk}
    notice = told[cast.teacher_blue.pk]
    return {"post:alva_pending": str(pending.uuid), "notice:teacher_pending": str(notice.uuid)}


def cells() -> list[Cell]:
    return [
        Cell(
            "child's pending reflection/read",
            "learninglog:post",
            "GET",
            frozenset({"child_c"}) | STAFF_OF_C,
            ("post:alva_pending",),
        ),
        Cell("child's post form/read", "learninglog:child_post_new", "GET", frozenset({"child_c", "other_child"})),
        Cell(
            "child's reflection/create",
            "learninglog:child_post_new",
            "POST",
            frozenset({"child_c"}),
            data=(("body", "Jag byggde ett torn"), ("reflect", "post:alva_individual")),
        ),
        Cell(
            "pending list/read",
            "learninglog:pending",
            "GET",
            frozenset(
                {
                    "connected_staff",
                    "principal",
                    "same_unit_not_connected",
                    "other_unit_staff",
                    "former_unit_staff",
                    "receiving_school_without_consent",
                    "guardian_who_is_staff_elsewhere_as_staff",
                }
            ),
            hides=(("same_unit_not_connected", "Alvas reflektion"), ("other_unit_staff", "Alvas reflektion")),
        ),
        Cell(
            "child's pending post notice/list",
            "notices:list",
            "GET",
            frozenset(key for key, (_person, role) in ROLES.items() if role is not None),
            shows=(("connected_staff", PENDING_TEXT), ("two_organisations_via_a", PENDING_TEXT)),
            hides=tuple((key, PENDING_TEXT) for key in ROLES if key not in TOLD),
        ),
        Cell(
            "child's pending post notice/open",
            "notices:open",
            "GET",
            frozenset({"connected_staff"}),
            ("notice:teacher_pending",),
        ),
        Cell(
            "child's post/approve",
            "learninglog:post_decide",
            "POST",
            STAFF_OF_C,
            ("post:alva_pending",),
            (("decision", "approve"),),
        ),
        Cell(
            "child's words/edit",
            "learninglog:childs_words",
            "POST",
            STAFF_OF_C,
            ("post:alva_individual",),
            (("childs_words", "Sanden var blöt"),),
        ),
    ]
