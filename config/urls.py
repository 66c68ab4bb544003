from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("folja.core.urls")),
    path("", include("folja.accounts.urls")),
    path("", include("folja.learninglog.urls")),
    path("", include("folja.media.urls")),
    path("", include("folja.curriculum.urls")),
    path("", include("folja.talks.urls")),
    path("", include("folja.transitions.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.FOLJA_BENCH_PAGES:
    # The benchmarks' reference page R (bench/README.md); production never installs it.
    urlpatterns += [path("bench/", include("folja.bench.urls"))]
