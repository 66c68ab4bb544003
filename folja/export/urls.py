from django.urls import path

from folja.export import views

app_name = "export"
urlpatterns = [
    path("export/children/<uuid:child_uuid>/", views.child_export, name="child"),
    path("export/children/<uuid:child_uuid>/for-guardian/", views.for_guardian, name="for_guardian"),
    path("export/<uuid:export_uuid>/status/", views.status, name="status"),
    path("export/<uuid:export_uuid>/<str:kind>/", views.download, name="file"),
]
