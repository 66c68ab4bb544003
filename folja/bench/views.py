"""R, the reference page every benchmark figure is divided by (bench/README.md).

One small query, one row added in memory, a sort, and an escaped template: the least a
database-backed Django page does, through the same middleware, server and database as the pages
it is compared with. No child data; installed only when FOLJA_BENCH_PAGES=1.

F, the floor of a signed-in page: an empty answer to a signed-in person, after what every request
of a session does before any page (the session, the user, and the checks of
`accounts.middleware.ViewerMiddleware` that the session's relationship still holds). No page of a
signed-in guardian can be faster than F; the figures of the pages say how much each adds to it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import render

from folja.bench.models import Fortune


def fortunes(request: HttpRequest) -> HttpResponse:
    rows = list(Fortune.objects.values_list("id", "message"))
    rows.append((0, "Additional fortune added at request time."))
    rows.sort(key=lambda row: row[1])
    return render(request, "bench/fortunes.html", {"fortunes": rows})


def signed_in(request: HttpRequest) -> HttpResponse:
    if getattr(request, "viewer", None) is None:
        return HttpResponseNotFound()
    return HttpResponse(b"ok", content_type="text/plain")
