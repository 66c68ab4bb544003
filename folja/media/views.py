"""Media pages and files. Each view checks access through folja.access.policy on every request
(R10), answers 404 for missing and forbidden alike, and records staff reads (R11)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from folja.accounts.decorators import staff_required, viewer_required
from folja.media.access import decidable_marker, get_media_for, get_rendition_for, markable_children
from folja.media.actions import MediaRejected, marker_set, upload_stage
from folja.media.actions import marker_decide as marker_decide_action
from folja.media.models import MarkerDecision, MediaKind
from folja.media.serving import SPREADING_NOTICE, record_media_read, send_file


@viewer_required
@require_safe
def media_page(request: HttpRequest, media_uuid: uuid.UUID) -> HttpResponse:
    """Render one photo, film, sound or file full size, with the R10 notice above its download link."""
    media = get_media_for(request.viewer, media_uuid)
    record_media_read(request.viewer, media)
    renditions = {rendition.name: rendition for rendition in media.renditions.all()}
    context = {
        "media": media,
        "post": media.post,
        "renditions": renditions,
        "notice": SPREADING_NOTICE,
    }
    return render(request, "media/media_page.html", context)


@viewer_required
@require_safe
def media_file(request: HttpRequest, media_uuid: uuid.UUID) -> HttpResponse:
    """Send the stored original: shown in the page for photos, films and sound; a file is downloaded."""
    media = get_media_for(request.viewer, media_uuid)
    record_media_read(request.viewer, media)
    return send_file(
        request,
        name=media.file.name,
        content_type=media.content_type,
        download_name=media.original_name,
        # A PDF opened inline runs in the browser's viewer with our origin: always download it.
        as_attachment=media.kind == MediaKind.FILE,
    )


@viewer_required
@require_safe
def media_download(request: HttpRequest, media_uuid: uuid.UUID) -> HttpResponse:
    """Send the stored original as a download under its (cleaned) original file name."""
    media = get_media_for(request.viewer, media_uuid)
    record_media_read(request.viewer, media)
    return send_file(
        request,
        name=media.file.name,
        content_type=media.content_type,
        download_name=media.original_name,
        as_attachment=True,
    )


@viewer_required
@require_safe
def rendition_file(request: HttpRequest, media_uuid: uuid.UUID, name: str) -> HttpResponse:
    """Send a rendition ("320", "1280", "poster") of a media file, shown inline."""
    rendition = get_rendition_for(request.viewer, media_uuid, name)
    media = rendition.media
    record_media_read(request.viewer, media)
    stem = media.original_name.rsplit(".", 1)[0] or "bild"
    return send_file(
        request,
        name=rendition.file.name,
        content_type=rendition.content_type,
        download_name=f"{stem}-{rendition.name}.jpg",
        as_attachment=False,
    )


@staff_required
@require_POST
def upload_create(request: HttpRequest) -> HttpResponse:
    """Take one file from the compose page before the post is saved: checked, cleaned and kept for
    its uploader (`media.Upload`), answered as JSON for the page's progress list."""
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": _("Välj en fil.")}, status=400)
    try:
        staged = upload_stage(actor=request.viewer.person, upload=upload)
    except MediaRejected as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse({"uuid": str(staged.uuid), "name": staged.name, "kind": MediaKind(staged.kind).label})


@viewer_required
@require_POST
def marker_create(request: HttpRequest, media_uuid: uuid.UUID) -> HttpResponse:
    """Mark a photo or film "Jag vill inte att den här bilden visas" (B5): a child for themselves,
    staff on behalf of a named child (`child`). 404 unless `markable_children` allows it."""
    viewer = request.viewer
    media = get_media_for(viewer, media_uuid)
    children = list(markable_children(viewer, media))
    chosen = next((c for c in children if viewer.is_child or str(c.uuid) == request.POST.get("child", "")), None)
    if chosen is None:
        raise Http404
    marker_set(actor=viewer, media=media, child=chosen)
    if viewer.is_child:
        messages.success(request, _("Tack! Bilden visas inte för andra familjer förrän personalen har pratat med dig."))
    else:
        messages.success(request, _("Bilden är markerad. Den visas inte för andra familjer förrän ni har bestämt."))
    return redirect("learninglog:post", media.post.uuid)


@staff_required
@require_POST
def marker_decide(request: HttpRequest, media_uuid: uuid.UUID, marker_uuid: uuid.UUID) -> HttpResponse:
    """Staff connected to the marked child at the post's unit decide: keep the file hidden from the
    other families, or show it. 404 unless `decidable_marker` allows it; a bad decision is a 400."""
    viewer = request.viewer
    media = get_media_for(viewer, media_uuid)
    marker = decidable_marker(viewer, media, str(marker_uuid))
    decision = request.POST.get("decision", "")
    if decision not in (MarkerDecision.KEEP_HIDDEN, MarkerDecision.SHOW):
        return HttpResponseBadRequest(_("Välj om bilden ska visas eller inte."))
    marker_decide_action(actor=viewer, marker=marker, decision=decision)
    messages.success(request, _("Beslutet är sparat."))
    return redirect("learninglog:post", media.post.uuid)
