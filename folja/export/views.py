"""The export pages (a guardian's own, a staff member's on a guardian's behalf), the progress
answer and the download of the files."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from folja.access.assurance import Act
from folja.accounts.decorators import full_assurance_required, guardian_required, staff_required, viewer_required
from folja.export import access as export_policy
from folja.export import actions
from folja.export.forms import OnBehalfForm
from folja.export.models import ACTIVE_STATES
from folja.media.serving import SPREADING_NOTICE, send_file

FILES = {
    "pdf": ("pdf_file", "application/pdf", "portfolio.pdf"),
    "zip": ("zip_file", "application/zip", "portfolio.zip"),
}


@guardian_required
@full_assurance_required(Act.EXPORT)
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
    running = export_policy.own_exports(viewer).filter(requested_by=viewer.person, status__in=ACTIVE_STATES).exists()
    return render(
        request,
        "export/child_export.html",
        {"child": child, "exports": exports, "running": running, "notice": SPREADING_NOTICE},
    )


@staff_required
def for_guardian(request: HttpRequest, child_uuid: str) -> HttpResponse:
    """A connected staff member asks for an export on behalf of one of the child's guardians, and
    sees the exports they asked for; POST with the guardian and a reason starts one."""
    viewer = request.viewer
    child = export_policy.child_for_staff_export(viewer, child_uuid)  # R1: connected now, else 404
    guardians = export_policy.guardians_to_export_for(child)
    form = OnBehalfForm(request.POST or None, guardians=guardians)
    if request.method == "POST" and form.is_valid():
        guardian = form.chosen_guardian()
        if export_policy.may_export_for(viewer, child, guardian):
            _export, created = actions.export_request(
                actor=viewer,
                child=child,
                language=get_language(),
                on_behalf_of=guardian,
                reason=form.cleaned_data["reason"],
            )
            if created:
                messages.success(
                    request, _("Exporten har startat. Du och vårdnadshavaren får ett meddelande när den är klar.")
                )
            else:
                messages.info(request, _("Du har redan en export som pågår. Vänta tills den är klar."))
            return redirect("export:for_guardian", child_uuid=child.uuid)
        form.add_error("guardian", _("Den vårdnadshavaren kan inte få en export av barnets portfolio nu."))
    exports = list(
        export_policy.staff_exports_of(viewer, child, guardians)
        .select_related("on_behalf_of")
        .order_by("-created_at", "-id")[:5]
    )
    running = export_policy.own_exports(viewer).filter(status__in=ACTIVE_STATES).exists()
    return render(
        request,
        "export/for_guardian.html",
        {
            "child": child,
            "form": form,
            "guardians": guardians,
            "exports": exports,
            "running": running,
            "notice": SPREADING_NOTICE,
        },
    )


# The progress and the files: a guardian (their own, or asked for on their behalf) and the staff
# member who asked on a guardian's behalf; `export_policy.get_export_for` decides (404 for a child).
@viewer_required
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


@viewer_required
@full_assurance_required(Act.EXPORT)
@require_GET
def download(request: HttpRequest, export_uuid: str, kind: str) -> HttpResponse:
    """Send one file of a ready export to a person who may fetch it (`get_export_for`), like a media file."""
    if kind not in FILES:
        raise Http404
    export = export_policy.get_export_for(request.viewer, export_uuid)  # theirs, child still visible
    field, content_type, download_name = FILES[kind]
    name = getattr(export, field)
    if not export.is_ready or not name:
        raise Http404
    actions.export_downloaded(actor=request.viewer, export=export, kind=kind)
    return send_file(request, name=name, content_type=content_type, download_name=download_name, as_attachment=True)
