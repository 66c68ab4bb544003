from django.urls import path

from folja.accounts.pupil import views

app_name = "pupilcode"
urlpatterns = [
    path("children/<uuid:child_uuid>/pupil-codes/", views.pupil_codes, name="codes"),
]
