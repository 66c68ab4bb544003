from django.urls import path

from folja.pages.contacts import views

app_name = "contacts"
urlpatterns = [
    path("connections/", views.manage, name="manage"),
    path("connections/contact/", views.connect, name="connect"),
    path("connections/named/", views.grant, name="grant"),
    path("connections/<str:kind>/<uuid:grant_uuid>/end/", views.end, name="end"),
]
