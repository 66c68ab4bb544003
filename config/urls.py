from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from folja.accounts.language import set_language
from folja.accounts.views import admin_login

urlpatterns = [
    path("", include("folja.pages.start.urls")),
    path("", include("folja.accounts.urls")),
    path("", include("folja.accounts.lower.urls")),
    path("", include("folja.accounts.pupil.urls")),
    path("", include("folja.pages.learninglog.urls")),
    path("", include("folja.media.urls")),
    path("", include("folja.pages.curriculum.urls")),
    path("", include("folja.talks.urls")),
    path("", include("folja.pages.transitions.urls")),
    path("", include("folja.export.urls")),
    path("", include("folja.retention.urls")),
    path("", include("folja.pages.notices.urls")),
    path("", include("folja.pages.contacts.urls")),
    path("", include("folja.pages.translation.urls")),
    path("", include("folja.demo.urls")),
    path("", include("folja.ops.urls")),
    path("", include("folja.api.urls")),
    path("", include("folja.oauth.urls")),
    # Django's language switch, which also keeps a signed-in person's choice (accounts/language.py).
    path("i18n/setlang/", set_language, name="set_language"),
    # The admin's own login view behind the sign-in rate limits (per username and per address).
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
]

# Error pages (folja/core/errors.py): styled, translated, with a way back; the 500 page queries nothing.
handler400 = "folja.core.errors.bad_request"
handler403 = "folja.core.errors.permission_denied"
handler404 = "folja.core.errors.page_not_found"
handler500 = "folja.core.errors.server_error"

if settings.FOLJA_BENCH_PAGES:
    # The benchmarks' reference page R (bench/README.md); production never installs it.
    urlpatterns += [path("bench/", include("folja.bench.urls"))]
