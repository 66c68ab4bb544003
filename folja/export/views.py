"""The guardian's export page, its progress answer and the download of the files."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from folja.accounts.decorators import guardian_required
from folja.export import access as export_policy
from folja.export import actions
from folja.export.models import ACTIVE_STATES
from folja.media.serving import SPREADING_NOTICE, send_file

FILES = {
    "pdf": ("pdf_file", "application/pdf", "portfolio.pdf"),
    "zip": ("zip_file", "application/zip", "portfolio.zip"),
}


@guardian_required
def child_export(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """Show the child's exports and their progress; POST asks for a new one (or gets the running one)."""
    viewer = request.viewer
    child = export_policy.exportable_child(viewer, child_uuid)
    if request.method == "POST":
        _export, created = actions.export_request(actor=viewer, child=child, language=get_language())
        if created:
            messages.success(request, _("Exporten har startat. Du får ett meddelande när den är klar."))
        else:
            messages.info(request, _("En export pågår redan. Här ser du hur långt den har kommit."))
        return redirect("export:child", child_uuid=child.uuid)
    exports = list(export_policy.own_exports(viewer).filter(child=child)[:5])
    running = export_policy.own_exports(viewer).filter(status__in=ACTIVE_STATES).exists()
    return render(
        request,
        "export/child_export.html",
        {"child": child, "exports": exports, "running": running, "notice": SPREADING_NOTICE},
    )


@guardian_required
@require_GET
def status(request: HttpRequest, export_uuid: str) -> JsonResponse:
    """Answer the export's state and progress, for the page's progress bar."""
    export = export_policy.get_export_for(request.viewer, export_uuid)
    data: dict[str, object] = {"status": export.status, "progress": export.progress, "ready": export.is_ready}
    if export.is_ready:
        data["files"] = {kind: reverse("export:file", args=[export.uuid, kind]) for kind in FILES}
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-store"
    return response


@guardian_required
@require_GET
def download(request: HttpRequest, export_uuid: str, kind: str) -> HttpResponse:
    """Send one file of a ready export to the person who asked for it, like a media file."""
    if kind not in FILES:
        raise Http404
    export = export_policy.get_export_for(request.viewer, export_uuid)  # own, child still theirs
    field, content_type, download_name = FILES[kind]
    name = getattr(export, field)
    if not export.is_ready or not name:
        raise Http404
    actions.export_downloaded(actor=request.viewer, export=export, kind=kind)
    return send_file(request, name=name, content_type=content_type, download_name=download_name, as_attachment=True)
