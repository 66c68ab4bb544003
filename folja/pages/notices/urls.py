from django.urls import path

from folja.pages.notices import views

app_name = "notices"
urlpatterns = [
    path("notices/", views.notice_list, name="list"),
    path("notices/read/", views.read_all, name="read_all"),
    path("notices/settings/", views.notice_settings, name="settings"),
    path("notices/devices/", views.device_add, name="device_add"),
    path("notices/devices/<uuid:device_uuid>/delete/", views.device_delete, name="device_delete"),
    path("notices/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("notices/<uuid:notice_uuid>/", views.notice_open, name="open"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
]
