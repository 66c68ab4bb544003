from django.urls import path

from folja.media import views

app_name = "media"
urlpatterns = [
    path("media/uploads/", views.upload_create, name="upload"),
    path("media/<uuid:media_uuid>/", views.media_page, name="page"),
    path("media/<uuid:media_uuid>/file/", views.media_file, name="file"),
    path("media/<uuid:media_uuid>/download/", views.media_download, name="download"),
    path("media/<uuid:media_uuid>/r/<str:name>/", views.rendition_file, name="rendition"),
    path("media/<uuid:media_uuid>/marker/", views.marker_create, name="marker"),
    path("media/<uuid:media_uuid>/marker/<uuid:marker_uuid>/decide/", views.marker_decide, name="marker_decide"),
]
