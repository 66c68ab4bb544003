"""R, the reference page every benchmark figure is divided by (bench/README.md).

One small query, one row added in memory, a sort, and an escaped template: the least a
database-backed Django page does, through the same middleware, server and database as the pages
it is compared with. No child data; installed only when FOLJA_BENCH_PAGES=1.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from folja.bench.models import Fortune


def fortunes(request: HttpRequest) -> HttpResponse:
    rows = list(Fortune.objects.values_list("id", "message"))
    rows.append((0, "Additional fortune added at request time."))
    rows.sort(key=lambda row: row[1])
    return render(request, "bench/fortunes.html", {"fortunes": rows})
