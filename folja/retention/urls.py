from django.urls import path

from folja.retention import views

app_name = "retention"
urlpatterns = [
    path("retention/outlook/", views.outlook, name="outlook"),
]
