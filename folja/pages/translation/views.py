"""The "Översätt" button's answers (issue 32, B3): a post or comment translated into the reader's language.

Without JavaScript the button's form gets a page with the original and the translation under it;
with JavaScript (`static/folja/translate.js`) the same request, marked by a header, gets only the
translation's part, which the script puts under the original. A failed service gives the same
answers with a message that it failed; the original is shown either way.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_POST

from folja.access.audit import record_post_reads
from folja.access.models import AuditAction
from folja.accounts.decorators import viewer_required
from folja.learninglog import access as post_policy
from folja.translation import actions

FRAGMENT_HEADER = "X-Folja-Fragment"


def _wants_fragment(request: HttpRequest) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == "1"


@viewer_required
@require_POST
def post_translation(request: HttpRequest, post_uuid: str) -> HttpResponse:
    viewer = request.viewer
    result = actions.post_translate(actor=viewer, post_uuid=post_uuid, language=translation.get_language())
    post = result.post
    if viewer.is_staff:
        # Reading a translation is reading the post (R11), as its own page records it.
        record_post_reads(
            viewer,
            AuditAction.READ_POST,
            list(post_policy.named_child_ids_on_post(viewer, post)),
            post_unit_id=post.school_unit_id,
            object_type="post",
            object_uuid=post.uuid,
        )
    context = {"post": post, "machine": result.translation, "same_language": result.same_language}
    if _wants_fragment(request):
        return render(request, "translation/_post_translation.html", context)
    return render(request, "translation/post_translation.html", context)


@viewer_required
@require_POST
def comment_translation(request: HttpRequest, comment_uuid: str) -> HttpResponse:
    viewer = request.viewer
    result = actions.comment_translate(actor=viewer, comment_uuid=comment_uuid, language=translation.get_language())
    context = {"comment": result.comment, "post": result.comment.post, "machine": result.translation}
    if _wants_fragment(request):
        return render(request, "translation/_comment_translation.html", context)
    return render(request, "translation/comment_translation.html", context)
