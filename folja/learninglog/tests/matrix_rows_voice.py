"""Rows of the authorization matrix for the child's own voice (issue 29; test_matrix.py).

Alva has a reflection waiting for approval on her individual post: she and the staff connected
to her at Solrosen read it; her guardians only once it is approved; nobody else ever."""

from __future__ import annotations

from folja.access.tests.test_matrix import Cell

STAFF_OF_C = frozenset({"connected_staff", "principal"})


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
    return {"post:alva_pending": str(pending.uuid)}


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
