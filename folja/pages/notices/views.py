"""The notices pages: the list, settings with devices, unsubscribe, the app manifest and service worker.

Every notice shown is one the viewer may see now (`rules.visible_notices`: the access layer is
asked through each kind's rule); opening a notice marks it read and leads to its item.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from folja.access import policy
from folja.access.roles import Role
from folja.accounts.decorators import viewer_required
from folja.notifications import api, push, rules
from folja.notifications.emails import person_uuid_from_token, render_notice_text
from folja.pages.notices.forms import PreferenceForm

PAGE = 50


@viewer_required
def notice_list(request: HttpRequest) -> HttpResponse:
    """List the viewer's newest notices they may still see, unread first marked "Nytt"."""
    viewer = request.viewer
    notices = list(rules.visible_notices(viewer).order_by("-created_at", "-id")[:PAGE])
    for notice in notices:
        notice.subject, notice.text = render_notice_text(notice.kind, notice.context)
    unread = sum(1 for n in notices if n.read_at is None)
    return render(request, "notifications/notice_list.html", {"notices": notices, "unread": unread})


@viewer_required
def notice_open(request: HttpRequest, notice_uuid: str) -> HttpResponse:
    """Mark one notice read and go to its item; 404 for a notice that is not the viewer's or no longer visible."""
    viewer = request.viewer
    notice = rules.visible_notices(viewer).filter(uuid=notice_uuid).first()
    if notice is None:
        raise Http404
    api.mark_notice_read(viewer, notice)
    path = str(notice.context.get("path", "/"))
    return redirect(path if path.startswith("/") and not path.startswith("//") else "/")


@viewer_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    api.mark_all_read(request.viewer)
    messages.success(request, _("Alla aviseringar är markerade som lästa."))
    return redirect("notices:list")


@viewer_required
def notice_settings(request: HttpRequest) -> HttpResponse:
    """The person's choices (channels, rhythm, quiet hours) and their devices for push."""
    viewer = request.viewer
    person = viewer.person
    preference = api.preference_for(person)
    # A rhythm per child for a guardian: only the children they may see now (R1, R5, R6, R9).
    children = []
    if viewer.role == Role.GUARDIAN:
        children = list(policy.visible_children(viewer).order_by("given_name", "pk"))
    form = PreferenceForm(
        request.POST or None,
        instance=preference,
        children=children,
        child_rhythms=api.child_rhythms_of(person) if children else {},
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        if children:
            api.save_child_rhythms(person, form.chosen_child_rhythms())
        messages.success(request, _("Dina val är sparade."))
        return redirect("notices:settings")
    context = {
        "form": form,
        "devices": list(api.own_devices(person)),
        "vapid_public_key": push.public_key(),
    }
    return render(request, "notifications/settings.html", context)


@viewer_required
@require_POST
def device_add(request: HttpRequest) -> HttpResponse:
    """Store this browser's push subscription (sent by push.js as JSON: endpoint and keys)."""
    try:
        if request.content_type == "application/json":
            data = json.loads(request.body or b"{}")
            keys = data["keys"]
        else:  # a plain form (no script): the same fields side by side
            data = keys = request.POST
        endpoint, p256dh, auth = str(data["endpoint"]), str(keys["p256dh"]), str(keys["auth"])
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest()
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not parts.netloc or len(endpoint) > 2000 or len(p256dh) > 200 or len(auth) > 100:
        return HttpResponseBadRequest()
    api.device_add(request.viewer.person, endpoint=endpoint, p256dh=p256dh, auth=auth, label=str(data.get("label", "")))
    return JsonResponse({"ok": True})


@viewer_required
@require_POST
def device_delete(request: HttpRequest, device_uuid: str) -> HttpResponse:
    deleted, _rows = api.own_devices(request.viewer.person).filter(uuid=device_uuid).delete()
    if not deleted:
        raise Http404
    messages.success(request, _("Enheten får inte längre push från Följa."))
    return redirect("notices:settings")


@csrf_exempt  # the signed token is the authority; mail programs send the one-click POST without a form (RFC 8058)
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Turn e-mail off without signing in: GET asks (mail scanners open links), POST does it."""
    person_uuid = person_uuid_from_token(token)
    if person_uuid is None:
        raise Http404
    if request.method == "POST":
        if not api.turn_email_off(person_uuid):
            raise Http404
        return render(request, "notifications/unsubscribe.html", {"done": True})
    return render(request, "notifications/unsubscribe.html", {"done": False})


@cache_control(max_age=3600)
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: Följa installs as an app that opens on the start page."""
    data = {
        "name": "Följa",
        "short_name": "Följa",
        "description": _("Lärlogg och utvecklingssamtal"),
        "lang": request.LANGUAGE_CODE,
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f4ef",
        "theme_color": "#2f5d50",
        "icons": [
            {"src": static("folja/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("folja/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("folja/icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at the root so that its scope is the whole app; it caches the app shell only."""
    shell = [
        static("folja/app.css"),
        static("folja/app.js"),
        static("folja/offline.html"),
        static("folja/icons/icon-192.png"),
    ]
    version = hashlib.blake2b(json.dumps(shell).encode(), digest_size=6).hexdigest()
    body = render_to_string("notifications/sw.js", {"shell": json.dumps(shell), "version": version})
    response = HttpResponse(body, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response
