from django.urls import path

from folja.demo import views

app_name = "demo"
urlpatterns = [
    path("dev/personas/", views.demo_login, name="personas"),
]
