from django.urls import path

from folja.accounts.lower import staff

app_name = "enrolment"
urlpatterns = [
    path("children/<uuid:child_uuid>/enrolment-codes/", staff.enrolment_codes, name="codes"),
]
