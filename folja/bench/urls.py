from django.urls import path

from folja.bench import views

app_name = "bench"
urlpatterns = [
    path("fortunes/", views.fortunes, name="fortunes"),
    path("signed-in/", views.signed_in, name="signed_in"),
]
