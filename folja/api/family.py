"""Notices, transition consent and exports, over the same rules and actions as their pages
(folja/pages/notices/views.py, folja/pages/transitions/views.py, folja/export/views.py)."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from ninja import Router

from folja.access import assurance, connections, policy
from folja.access import transitions as access_transitions
from folja.access.roles import Role
from folja.api import schemas
from folja.api.auth import viewer_of
from folja.api.posts import ANY
from folja.export import access as export_policy
from folja.export import actions as export_actions
from folja.export.views import FILES
from folja.media.serving import send_file
from folja.notifications import api as notices_api
from folja.notifications import rules
from folja.notifications.emails import render_notice_text
from folja.oauth.ninja import scope_required
from folja.pages.transitions import actions as transition_actions

router = Router(tags=["notices, consent, exports"])
PAGE = 50


@router.get("/notices", response=list[schemas.Notice], url_name="notices", summary="My newest notices")
@scope_required("notices:read")
def notices(request: HttpRequest) -> list[dict]:
    """The newest notices I may still see (`notifications.rules.visible_notices`, a rule per kind)."""
    viewer = viewer_of(request, *ANY)
    found = list(rules.visible_notices(viewer).order_by("-created_at", "-id")[:PAGE])
    shaped = []
    for notice in found:
        subject, text = render_notice_text(notice.kind, notice.context)
        path = str(notice.context.get("path", "/"))
        shaped.append(
            {
                "uuid": notice.uuid,
                "kind": notice.kind,
                "subject": subject,
                "text": text,
                "created_at": notice.created_at,
                "read": notice.read_at is not None,
                "path": path if path.startswith("/") and not path.startswith("//") else "/",
            }
        )
    return shaped


@router.post("/notices/{notice_uuid}/read", response={204: None}, url_name="notice_read", summary="Mark read")
@scope_required("notices:write")
def notice_read(request: HttpRequest, notice_uuid: uuid.UUID) -> None:
    viewer = viewer_of(request, *ANY)
    notice = rules.visible_notices(viewer).filter(uuid=notice_uuid).first()
    if notice is None:
        raise Http404
    notices_api.mark_notice_read(viewer, notice)
    return None


def _consent(viewer: object, child: object) -> dict:
    history = child.transition_consents.filter(guardian=viewer.person, is_current=True).first()
    placements = policy.family_children_with_placements(viewer).get(pk=child.pk)
    placement = (placements.active_placements or placements.upcoming_placements or [None])[0]
    organisation = placement.organisation if placement else None
    return {
        "mine": history.allowed if history is not None else None,
        "effective": access_transitions.child_consent_given(child, organisation) if organisation else False,
    }


@router.get(
    "/children/{child_uuid}/consent", response=schemas.Consent, url_name="consent", summary="Transition consent"
)
@scope_required("consent:read")
def consent(request: HttpRequest, child_uuid: uuid.UUID) -> dict:
    """May the learning log and talks be shown to the school (R7)? Custody only, full e-ID."""
    viewer = viewer_of(request, Role.GUARDIAN)
    assurance.require(viewer, assurance.Act.ANSWER_CONSENT)
    child = connections.get_child_in_custody_for(viewer, child_uuid)
    return _consent(viewer, child)


@router.put("/children/{child_uuid}/consent", response=schemas.Consent, url_name="consent_answer", summary="Answer")
@scope_required("consent:write")
def consent_put(request: HttpRequest, child_uuid: uuid.UUID, payload: schemas.ConsentIn) -> dict:
    """Give or withdraw consent; it takes effect at once (`transitions.actions.consent_set`)."""
    viewer = viewer_of(request, Role.GUARDIAN)
    child = connections.get_child_in_custody_for(viewer, child_uuid)
    transition_actions.consent_set(actor=viewer, child=child, allowed=payload.allowed)
    return _consent(viewer, child)


def _export(export: object) -> dict:
    files = [reverse("api:export_file", args=[export.uuid, kind]) for kind in FILES] if export.is_ready else []
    return {"uuid": export.uuid, "status": export.status, "progress": export.progress, "files": files}


@router.post(
    "/children/{child_uuid}/exports", response={202: schemas.Export}, url_name="export_create", summary="Export"
)
@scope_required("exports:write")
def export_create(request: HttpRequest, child_uuid: uuid.UUID) -> dict:
    """Ask for the child's portfolio (PDF and ZIP); the one already running is answered instead."""
    viewer = viewer_of(request, Role.GUARDIAN)
    assurance.require(viewer, assurance.Act.EXPORT)
    child = export_policy.exportable_child(viewer, child_uuid)
    export, _created = export_actions.export_request(actor=viewer, child=child, language=get_language())
    return _export(export)


@router.get("/exports/{export_uuid}", response=schemas.Export, url_name="export", summary="An export's progress")
@scope_required("exports:read")
def export_status(request: HttpRequest, export_uuid: uuid.UUID) -> dict:
    viewer = viewer_of(request, *ANY)
    return _export(export_policy.get_export_for(viewer, export_uuid))


@router.get(
    "/exports/{export_uuid}/{kind}",
    url_name="export_file",
    summary="Download an export's file",
    response={200: None},
    openapi_extra={"responses": {"200": {"description": "The file", "content": {"application/octet-stream": {}}}}},
)
@scope_required("exports:read")
def export_file(request: HttpRequest, export_uuid: uuid.UUID, kind: str) -> HttpResponse:
    viewer = viewer_of(request, *ANY)
    assurance.require(viewer, assurance.Act.EXPORT)
    if kind not in FILES:
        raise Http404
    export = export_policy.get_export_for(viewer, export_uuid)
    field, content_type, download_name = FILES[kind]
    name = getattr(export, field)
    if not export.is_ready or not name:
        raise Http404
    export_actions.export_downloaded(actor=viewer, export=export, kind=kind)
    return send_file(request, name=name, content_type=content_type, download_name=download_name, as_attachment=True)
