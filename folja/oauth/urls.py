from django.urls import path

from folja.oauth import views

app_name = "oauth"
urlpatterns = [
    path("oauth/authorize/", views.authorize, name="authorize"),
    path("oauth/token/", views.token, name="token"),
    path("oauth/revoke/", views.revoke, name="revoke"),
    path("settings/apps/", views.apps, name="apps"),
    path("settings/apps/<uuid:authorisation_uuid>/remove/", views.app_remove, name="app_remove"),
]
