from django.urls import path

from folja.pages.learninglog import compose_views, views, voice_views

app_name = "learninglog"
urlpatterns = [
    path("feed/", views.feed, name="feed"),
    path("posts/new/", compose_views.compose, name="compose"),
    path("posts/autosave/", compose_views.compose_autosave, name="autosave"),
    path("posts/<uuid:post_uuid>/", views.post_detail, name="post"),
    path("posts/<uuid:post_uuid>/edit/", compose_views.post_edit, name="post_edit"),
    path("posts/<uuid:post_uuid>/delete/", views.post_delete, name="post_delete"),
    path("posts/<uuid:post_uuid>/history/", views.post_history, name="post_history"),
    path("posts/<uuid:post_uuid>/comments/", views.comment_create, name="comment_create"),
    # The child's own voice (issue 29).
    path("my-posts/new/", voice_views.child_post_new, name="child_post_new"),
    path("posts/pending/", voice_views.pending, name="pending"),
    path("posts/<uuid:post_uuid>/decide/", voice_views.post_decide, name="post_decide"),
    path("posts/<uuid:post_uuid>/childs-words/", voice_views.childs_words, name="childs_words"),
    path("comments/<uuid:comment_uuid>/hide/", views.comment_hide, name="comment_hide"),
    path("children/<uuid:child_uuid>/", views.timeline, name="timeline"),
    path("children/<uuid:child_uuid>/settings/", views.child_settings, name="child_settings"),
    path("children/<uuid:child_uuid>/contact/", views.child_contact, name="child_contact"),
    path("groups/<uuid:group_uuid>/", views.group_log, name="group_log"),
    path("groups/<uuid:group_uuid>/members/", views.group_members, name="group_members"),
]
