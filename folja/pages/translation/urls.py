from django.urls import path

from folja.pages.translation import views

app_name = "translation"
urlpatterns = [
    path("posts/<uuid:post_uuid>/translation/", views.post_translation, name="post"),
    path("comments/<uuid:comment_uuid>/translation/", views.comment_translation, name="comment"),
]
