from django.urls import path

from folja.pages.transitions import views

app_name = "transitions"
urlpatterns = [
    path("children/<uuid:child_uuid>/transition/", views.consent, name="consent"),
    path("children/<uuid:child_uuid>/transition/preview/", views.preview, name="preview"),
    path("terms/", views.terms, name="terms"),
    path("terms/<str:terms_uuid>/decide/", views.terms_decide, name="terms_decide"),
    path("terms/declined/", views.terms_declined, name="terms_declined"),
    path("groups/<uuid:group_uuid>/terms-status/", views.terms_status, name="terms_status"),
]
